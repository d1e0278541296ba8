import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { archiveMemory } from './archive-memory.js';
import type { Benchmark, BenchmarkResult } from './benchmark.js';
import { benchmarksPage } from './report.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results.json');
const PAGE = join(ROOT, 'docs', 'benchmarks.md');
const BENCHMARKS: Benchmark[] = [archiveMemory];

/**
 * `npm run bench [-- <name>…]`: runs the benchmarks named (all without a
 * name), one at a time, and keeps each one's figures in bench/results.json
 * (a benchmark not run keeps its last figures) and docs/benchmarks.md.
 */
async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) throw new Error(`no benchmark ${unknown.join(', ')}; there are: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const chosen = names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => names.includes(b.name));
  const results = new Map((await previous()).map((r) => [r.name, r]));
  const machine = { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: release() };
  for (const benchmark of chosen) {
    process.stderr.write(`${benchmark.name}: ${benchmark.title}\n`);
    const figures = await benchmark.run();
    for (const f of figures) process.stderr.write(`  ${f.name}: ${f.value.toFixed(1)} ${f.unit} against ${f.baseline.value.toFixed(1)} (${f.baseline.name}): ${f.ratio.toFixed(2)}×${f.notes ? ` — ${f.notes}` : ''}\n`);
    results.set(benchmark.name, { name: benchmark.name, title: benchmark.title, measuredAt: new Date().toISOString(), machine, figures });
  }
  const all = BENCHMARKS.flatMap((b) => results.get(b.name) ?? []);
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
  await writeFile(PAGE, benchmarksPage(all));
}

async function previous(): Promise<BenchmarkResult[]> {
  try {
    return JSON.parse(await readFile(RESULTS, 'utf8')) as BenchmarkResult[];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
