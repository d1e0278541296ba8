import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxImage } from '@narrative/launcher-native';
import type { NarrativeClient } from '@narrative/server/client';
import { ServerProcesses } from '../support/server-process.js';
import { startCluster } from '../support/slurm-harness.js';
import { figure, since, type Benchmark, type Figure } from './benchmark.js';
import { memoryOf, resetPeak } from './process-memory.js';
import { chRunArgv, prepareRunDir, probeApp, untilGoneFromSqueue, writeBatchScript } from './raw-ch-run.js';
import { runnerAccount } from './runner-account.js';

const run = promisify(execFile);
const OBJECTS = Number(process.env.NARRATIVE_BENCH_BULK_OBJECTS ?? 10_000);
/** Tasks run to the end: on 2 cores each task's wrapper and container cost about half a second of CPU, so not all 10,000. */
const RUN_TASKS = Number(process.env.NARRATIVE_BENCH_BULK_RUN ?? 100);
/** One sbatch per task is timed for this many tasks and scaled to OBJECTS: its cost per call does not change with the count. */
const SBATCH_SAMPLE = Number(process.env.NARRATIVE_BENCH_BULK_SBATCH_SAMPLE ?? 500);
const POLL_MS = 200;

const SCRIPT = `#!/bin/sh
echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"bulk"}}]}' > /out/outputs.json
`;

/**
 * One app over 10,000 objects through the bulk API (one Slurm job array),
 * against one sbatch per task, until Slurm holds every task; and a smaller
 * bulk run to the end with every output saved, against a raw job array of the
 * same ch-run. Tasks wait in a partition set DOWN while acceptance is timed,
 * so no container runs beside it.
 */
const bulk: Benchmark = {
  name: 'bulk',
  title: 'Bulk: one app over 10,000 objects as one job array, against one sbatch per task',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'narrative-bench-bulk-'));
    const servers = new ServerProcesses();
    const slurm = await startCluster();
    try {
      await chmod(dir, 0o711);
      const { cluster } = slurm;
      const slurmEnv = { ...process.env, SLURM_CONF: cluster.slurmConf };
      const image = await buildBusyboxImage(join(dir, 'image'), { 'run.sh': SCRIPT });
      const app = probeApp(image, {
        id: 'bench/bulk', name: 'Bulk probe', description: 'Makes one small report per object.',
        inputs: [{ name: 'item', types: ['Report.Report-1.0'], required: true, description: 'any report' }],
      });
      const server = await servers.serve(await servers.newHome(), {
        NARRATIVE_SCHEDULER: 'slurm', SLURM_CONF: cluster.slurmConf, NARRATIVE_SLURM_PARTITION: cluster.partition, NARRATIVE_SLURM_JOBCOMP_LOG: cluster.jobcompLog, NARRATIVE_RECONCILE_MS: '1000',
      });
      const client = server.client;
      await client.registerApp(app);
      const ws = (await client.createWorkspace('bulk')).id;
      const refs = await saveObjects(client, ws, OBJECTS);

      const toEnd = await runToEnd(client, ws, refs.slice(0, RUN_TASKS));
      const rawToEnd = await rawArrayToEnd(dir, image.location, RUN_TASKS, cluster.partition, slurmEnv);

      await run('scontrol', ['update', `PartitionName=${cluster.partition}`, 'State=DOWN'], { env: slurmEnv });
      const pid = server.proc.pid!;
      const small = await accept(client, ws, refs.slice(0, Math.ceil(OBJECTS / 10)), pid);
      const large = await accept(client, ws, refs, pid);
      const perTask = await sbatchEach(dir, SBATCH_SAMPLE, cluster.partition, slurmEnv);
      const perTaskScaled = perTask * (OBJECTS / SBATCH_SAMPLE);
      await run('scancel', [`--partition=${cluster.partition}`], { env: slurmEnv });

      return [
        figure({
          name: `accept ${OBJECTS} tasks`, unit: 'ms', samples: [large.ms],
          baseline: { name: `one sbatch per task (${SBATCH_SAMPLE} timed, scaled ×${OBJECTS / SBATCH_SAMPLE})`, samples: [perTaskScaled] },
          target: { ratio: 0.05, at: 'most' },
          notes: `the API call until every job is queued in one array; target also under 2 s absolute: ${(large.ms / 1000).toFixed(2)} s`,
        }),
        figure({
          name: `server peak RSS accepting ${OBJECTS}`, unit: 'MiB', samples: [large.peakMiB],
          baseline: { name: `the same for ${small.count}`, samples: [small.peakMiB] }, target: { ratio: 1.25, at: 'most' },
          notes: `at rest before: ${large.restMiB.toFixed(0)} MiB; ${small.count} accepted in ${(small.ms / 1000).toFixed(2)} s`,
        }),
        figure({
          name: `${RUN_TASKS} tasks to the end`, unit: 'ms', samples: [toEnd],
          baseline: { name: 'a raw job array of the same ch-run, until gone from squeue', samples: [rawToEnd] },
          notes: 'every output saved with its provenance on the API side',
        }),
      ];
    } finally {
      await servers.cleanup();
      await slurm.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
export default bulk;

async function saveObjects(client: NarrativeClient, ws: number, count: number): Promise<string[]> {
  const refs: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      refs[i] = (await client.saveObject(ws, { name: `item-${i}`, type: 'Report.Report-1.0', data: { title: `item ${i}` } })).ref;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return refs;
}

async function runToEnd(client: NarrativeClient, ws: number, refs: string[]): Promise<number> {
  const started = performance.now();
  await client.runBulk({ app: 'bench/bulk', ws: String(ws), input: 'item', refs });
  for (;;) {
    const unfinished = await client.listJobs({ app: 'bench/bulk', state: ['created', 'queued', 'running'], limit: 1 });
    if (unfinished.items.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const ms = since(started);
  const failed = await client.listJobs({ app: 'bench/bulk', state: ['failed', 'cancelled'], limit: 1 });
  if (failed.items.length > 0) throw new Error(`a bulk task did not complete: ${JSON.stringify(failed.items[0])}`);
  return ms;
}

async function accept(client: NarrativeClient, ws: number, refs: string[], pid: number): Promise<{ count: number; ms: number; peakMiB: number; restMiB: number }> {
  await resetPeak(pid);
  const { rssMiB: restMiB } = await memoryOf(pid);
  const started = performance.now();
  const { jobs } = await client.runBulk({ app: 'bench/bulk', ws: String(ws), input: 'item', refs });
  const ms = since(started);
  const notQueued = jobs.filter((j) => j.state !== 'queued');
  if (notQueued.length > 0) throw new Error(`${notQueued.length} tasks were not accepted: ${JSON.stringify(notQueued[0])}`);
  return { count: refs.length, ms, peakMiB: (await memoryOf(pid)).peakMiB, restMiB };
}

/** The ch-run the wrapper would run, as a batch script for an array: task i runs on its own directory. */
async function rawScript(dir: string, image: string, tasks: number, partition: string): Promise<string> {
  const account = await runnerAccount();
  const base = join(dir, 'raw-array');
  for (let i = 0; i < tasks; i++) await prepareRunDir(join(base, String(i)), account);
  const script = join(base, 'array.sh');
  await writeBatchScript(script, { partition, output: '/dev/null', argv: chRunArgv(join(base, '$SLURM_ARRAY_TASK_ID'), image, account) });
  return script;
}

async function rawArrayToEnd(dir: string, image: string, tasks: number, partition: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script = await rawScript(dir, image, tasks, partition);
  const started = performance.now();
  const id = (await run('sbatch', ['--parsable', `--array=0-${tasks - 1}`, script], { env })).stdout.trim();
  await untilGoneFromSqueue(id, env, POLL_MS);
  return since(started);
}

async function sbatchEach(dir: string, count: number, partition: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script = join(dir, 'each.sh');
  await writeFile(script, ['#!/bin/sh', `#SBATCH --partition=${partition}`, '#SBATCH --output=/dev/null', 'true', ''].join('\n'));
  const started = performance.now();
  for (let i = 0; i < count; i++) await run('sbatch', ['--parsable', script], { env });
  return since(started);
}
