import type { BenchmarkResult } from './benchmark.js';

/** docs/benchmarks.md, written from bench/results.json: every figure beside the baseline it is a ratio of. */
export function benchmarksPage(results: BenchmarkResult[]): string {
  const sections = results.map((r) => {
    const m = r.machine;
    const rows = r.figures.map((f) => `| ${f.name} | ${f.value.toFixed(1)} ${f.unit} | ${f.baseline.name}: ${f.baseline.value.toFixed(1)} | **${f.ratio.toFixed(2)}×** | ${f.notes ?? ''} |`);
    return [
      `## ${r.name}`, '', r.title, '',
      `Measured ${r.measuredAt.slice(0, 10)} on ${m.cpus} CPUs, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}.`, '',
      '| figure | value | baseline (same run) | ratio | notes |', '|---|---|---|---|---|', ...rows, '',
    ].join('\n');
  });
  return [
    '# Benchmarks', '',
    'Written by `npm run bench` (one: `npm run bench -- <name>`) from `bench/results.json`. Every figure is a ratio against a baseline measured in the same run on the same machine; no test asserts a time or a size.', '',
    ...sections,
  ].join('\n');
}
