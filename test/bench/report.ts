import type { BenchmarkResult, Figure } from './benchmark.js';

/** One fix, with its figure as measured by `npm run bench` before and after it (bench/fixes.json). */
export interface Fix {
  benchmark: string;
  figure: string;
  unit: string;
  /** ratio null: measured without a baseline (a profile in process, say). */
  before: { value: number; ratio: number | null };
  after: { value: number; ratio: number | null };
  cause: string;
  fix: string;
}

const number = (n: number): string => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
const spread = (samples: number[]): string => (samples.length < 2 ? '' : ` (${number(Math.min(...samples))}–${number(Math.max(...samples))}, n=${samples.length})`);
const targetOf = (f: Figure): string => (f.target ? `${f.target.at === 'most' ? '≤' : '≥'} ${f.target.ratio}×` : '');
const verdict = (f: Figure): string => (f.met === undefined ? '' : f.met ? 'met' : '**missed**');

function section(r: BenchmarkResult): string {
  const m = r.machine;
  const versions = Object.entries(r.versions ?? {}).map(([k, v]) => `${k} ${v}`).join('; ');
  const rows = r.figures.map((f) => `| ${f.name} | ${number(f.value)} ${f.unit}${spread(f.samples)} | ${f.baseline.name}: ${number(f.baseline.value)}${spread(f.baseline.samples)} | **${f.ratio.toFixed(2)}×** | ${targetOf(f)} ${verdict(f)} | ${f.notes ?? ''} |`);
  return [
    `## ${r.name}`, '', r.title, '',
    `Measured ${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC on ${m.cpus} CPUs, ${m.memoryGiB} GiB, Node ${m.node}, Linux ${m.kernel}${r.seconds ? `, in ${r.seconds.toFixed(0)} s` : ''}${r.runnerPeakMiB ? ` (runner peak ${r.runnerPeakMiB.toFixed(0)} MiB)` : ''}.`,
    ...(versions ? ['', `Versions: ${versions}.`] : []), '',
    `![${r.name}](benchmarks/${r.name}.svg)`, '',
    '| figure | value: median (min–max) | baseline (same run) | ratio | target | notes |', '|---|---|---|---|---|---|', ...rows, '',
  ].join('\n');
}

function fixesSection(fixes: Fix[]): string[] {
  if (fixes.length === 0) return [];
  const measured = (m: Fix['before'], unit: string) => `${number(m.value)} ${unit}${m.ratio === null ? '' : ` (${m.ratio.toFixed(2)}×)`}`;
  const rows = fixes.map((x) => `| ${x.benchmark}: ${x.figure} | ${measured(x.before, x.unit)} | ${measured(x.after, x.unit)} | ${x.cause} | ${x.fix} |`);
  return ['## Before and after each fix', '', 'Each row is one figure measured before its fix and after it, at the time of the fix (a row without ratios was profiled in process). The machine was busy with other work then, alike before and after: compare the ratios rather than the times, and the figures above for what holds now.', '', '| figure | before | after | cause | fix |', '|---|---|---|---|---|', ...rows, ''];
}

/** docs/benchmarks.md, written from bench/results.json: every figure beside the baseline it is a ratio of, then each fix's before and after. */
export function benchmarksPage(results: BenchmarkResult[], fixes: Fix[]): string {
  const summary = results.flatMap((r) => r.figures.map((f) => `| ${r.name} | ${f.name} | **${f.ratio.toFixed(2)}×** | ${f.baseline.name} | ${targetOf(f)} ${verdict(f)} |`));
  return [
    '# Benchmarks', '',
    'Written by `npm run bench` (one: `npm run bench -- <name>`) from `bench/results.json`; the charts are `docs/benchmarks/<name>.svg`. Every figure is the median of repeated runs, read as a ratio against a baseline measured in the same run on the same machine; no test asserts a time or a size.', '',
    '## Summary', '', '| benchmark | figure | ratio | baseline | target |', '|---|---|---|---|---|', ...summary, '',
    ...results.map(section),
    ...fixesSection(fixes),
  ].join('\n');
}
