import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchmarkResult } from './benchmark.js';
import { chartOf } from './chart.js';
import { benchmarksPage } from './report.js';
import { versionsOfTools } from './versions.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results.json');
const PAGE = join(ROOT, 'docs', 'benchmarks.md');
const CHARTS = join(ROOT, 'docs', 'benchmarks');

/** The benchmarks in the order they run: each is test/bench/<name>.ts, whose default export is its Benchmark. */
export const BENCHMARK_NAMES = ['dispatch', 'store', 'bulk', 'narrative-open', 'live-logs', 'lineage', 'image-register', 'concurrency', 'archive-memory'];

/**
 * `npm run bench [-- <name>…]`: runs the benchmarks named (all without a
 * name), one at a time, and keeps each one's figures in bench/results.json
 * (a benchmark not run keeps its last figures), its chart in
 * docs/benchmarks/<name>.svg and the page docs/benchmarks.md.
 */
async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !BENCHMARK_NAMES.includes(n));
  if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; there are: ${BENCHMARK_NAMES.join(', ')}`);
  const chosen = names.length === 0 ? BENCHMARK_NAMES : BENCHMARK_NAMES.filter((n) => names.includes(n));
  const results = new Map((await previous()).map((r) => [r.name, r]));
  const machine = { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: release() };
  const versions = await versionsOfTools(ROOT);
  const failed: string[] = [];
  for (const name of chosen) {
    const benchmark = await load(name);
    process.stderr.write(`${benchmark.name}: ${benchmark.title}\n`);
    const started = performance.now();
    try {
      const figures = await benchmark.run();
      for (const f of figures) {
        const verdict = f.met === undefined ? '' : f.met ? ' (target met)' : ` (target ${f.target!.at} ${f.target!.ratio}× missed)`;
        process.stderr.write(`  ${f.name}: ${f.value.toFixed(2)} ${f.unit} against ${f.baseline.value.toFixed(2)} (${f.baseline.name}): ${f.ratio.toFixed(2)}×${verdict}${f.notes ? ` — ${f.notes}` : ''}\n`);
      }
      const seconds = (performance.now() - started) / 1000;
      results.set(name, { name, title: benchmark.title, measuredAt: new Date().toISOString(), machine, versions, runnerPeakMiB: process.resourceUsage().maxRSS / 1024, seconds, figures });
      process.stderr.write(`  (${seconds.toFixed(0)} s)\n`);
    } catch (error) {
      failed.push(name);
      process.stderr.write(`  failed: ${(error as Error).stack ?? String(error)}\n`);
    }
  }
  const all = BENCHMARK_NAMES.flatMap((n) => results.get(n) ?? []);
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
  await mkdir(CHARTS, { recursive: true });
  for (const result of all) await writeFile(join(CHARTS, `${result.name}.svg`), chartOf(result));
  await writeFile(PAGE, benchmarksPage(all, await fixes()));
  if (failed.length > 0) throw new Error(`benchmarks failed: ${failed.join(', ')} (their last figures, if any, are kept)`);
}

async function load(name: string): Promise<Benchmark> {
  const module = (await import(`./${name}.js`)) as { default: Benchmark };
  return module.default;
}

/** The figures kept from earlier runs; those written before repeats were kept count as one sample each. */
async function previous(): Promise<BenchmarkResult[]> {
  const results = await readJson<BenchmarkResult[]>(RESULTS, []);
  for (const f of results.flatMap((r) => r.figures)) {
    f.samples ??= [f.value];
    f.baseline.samples ??= [f.baseline.value];
  }
  return results;
}

/** bench/fixes.json: each fix's cause, and its figure before and after, as measured by this runner. */
async function fixes(): Promise<import('./report.js').Fix[]> {
  return readJson(join(ROOT, 'bench', 'fixes.json'), []);
}

async function readJson<T>(file: string, absent: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return absent;
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
