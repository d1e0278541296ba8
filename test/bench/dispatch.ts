import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildBusyboxImage } from '@narrative/launcher-native';
import type { AppSpec, NarrativeClient } from '@narrative/server/client';
import { ServerProcesses, type Served } from '../support/server-process.js';
import { startCluster } from '../support/slurm-harness.js';
import { figure, interleave, type Benchmark, type Figure } from './benchmark.js';
import { chRunArgv, prepareRunDir, probeApp, untilGoneFromSqueue, writeBatchScript, type Account } from './raw-ch-run.js';
import { runnerAccount } from './runner-account.js';

const run = promisify(execFile);
const REPEATS = Number(process.env.NARRATIVE_BENCH_REPEATS ?? 6);
/** How often both sides ask whether a job has ended: the API for its state, squeue for the job. */
const POLL_MS = 50;

/** The app's first instruction: the boot-clock time it started at, which the host reads back (10 ms resolution on both sides). */
const SCRIPT = `#!/bin/sh
cat /proc/uptime > /out/started
echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"dispatch"},"files":["started"]}]}' > /out/outputs.json
`;

/**
 * A run through the API against the same container started without the
 * platform: on the local Slurm, an sbatch of a batch script running the
 * same ch-run command; on the local scheduler, that ch-run spawned directly.
 * Both the start (call → the app's first instruction) and the end (call →
 * `completed` through the API, against sbatch → gone from squeue) are
 * measured, with the production reconcile interval (1 s).
 */
const dispatch: Benchmark = {
  name: 'dispatch',
  title: 'Dispatch: run API call → the app running and → completed, against raw sbatch / ch-run of the same container',
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(tmpdir(), 'narrative-bench-dispatch-'));
    const servers = new ServerProcesses();
    const slurm = await startCluster();
    try {
      await chmod(dir, 0o711);
      const image = await buildBusyboxImage(join(dir, 'image'), { 'run.sh': SCRIPT });
      const app = probeApp(image, { id: 'bench/dispatch', name: 'Dispatch probe', description: 'Writes when it started.' });
      const { cluster } = slurm;
      const [slurmHome, localHome] = [await servers.newHome(), await servers.newHome()];
      const onSlurm = await servers.serve(slurmHome, {
        NARRATIVE_SCHEDULER: 'slurm', SLURM_CONF: cluster.slurmConf, NARRATIVE_SLURM_PARTITION: cluster.partition, NARRATIVE_SLURM_JOBCOMP_LOG: cluster.jobcompLog, NARRATIVE_RECONCILE_MS: '1000',
      });
      const onLocal = await servers.serve(localHome, { NARRATIVE_SCHEDULER: 'local', NARRATIVE_RECONCILE_MS: '1000' });
      const account = await runnerAccount();
      const raw = new RawRuns(dir, image.location, account, cluster);
      const viaSlurm = await apiRunner(onSlurm, slurmHome, app);
      const viaLocal = await apiRunner(onLocal, localHome, app);
      // One of each first, unmeasured: the first run pays for cold caches on both sides.
      await viaSlurm();
      await raw.sbatch();
      await viaLocal();
      await raw.chRun();

      const slurmRuns: Run[] = [];
      const sbatchRuns: Run[] = [];
      await interleave(REPEATS, async () => keep(slurmRuns, await viaSlurm()), async () => keep(sbatchRuns, await raw.sbatch()));
      const localRuns: Run[] = [];
      const chRuns: Run[] = [];
      await interleave(REPEATS, async () => keep(localRuns, await viaLocal()), async () => keep(chRuns, await raw.chRun()));

      const started = (runs: Run[]) => runs.map((r) => r.startedMs);
      const ended = (runs: Run[]) => runs.map((r) => r.endedMs);
      return [
        figure({ name: 'Slurm: call → app running', unit: 'ms', samples: started(slurmRuns), baseline: { name: 'sbatch of the same ch-run', samples: started(sbatchRuns) }, target: { ratio: 1.05, at: 'most' } }),
        figure({ name: 'Slurm: call → completed', unit: 'ms', samples: ended(slurmRuns), baseline: { name: 'sbatch → gone from squeue', samples: ended(sbatchRuns) }, target: { ratio: 1.05, at: 'most' }, notes: `both polled every ${POLL_MS} ms; outputs saved with provenance on the API side` }),
        figure({ name: 'local: call → app running', unit: 'ms', samples: started(localRuns), baseline: { name: 'the same ch-run spawned directly', samples: started(chRuns) } }),
        figure({ name: 'local: call → completed', unit: 'ms', samples: ended(localRuns), baseline: { name: 'that ch-run → exited', samples: ended(chRuns) } }),
      ];
    } finally {
      await servers.cleanup();
      await slurm.stop();
      if (!process.env.NARRATIVE_BENCH_KEEP) await rm(dir, { recursive: true, force: true });
    }
  },
};
export default dispatch;

interface Run {
  startedMs: number;
  endedMs: number;
}

const keep = (runs: Run[], r: Run): number => (runs.push(r), r.endedMs);

/** The boot clock (what /proc/uptime counts, in the container too) read as this process's performance clock. */
function bootToPerformance(uptimeSeconds: number): number {
  return uptimeSeconds * 1000 - bootAtPerformance;
}
let bootAtPerformance = 0;
async function calibrate(): Promise<void> {
  const before = performance.now();
  const uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  bootAtPerformance = uptime * 1000 - (before + performance.now()) / 2;
}
await calibrate();

async function startedAt(file: string): Promise<number> {
  return bootToPerformance(Number((await readFile(file, 'utf8')).split(' ')[0]));
}

async function apiRunner(server: Served, home: string, app: AppSpec): Promise<() => Promise<Run>> {
  const client: NarrativeClient = server.client;
  await client.registerApp(app);
  const ws = (await client.createWorkspace(`dispatch-${Math.random().toString(36).slice(2)}`)).id;
  const jobsDir = join(home, 'jobs');
  return async () => {
    const called = performance.now();
    const { id } = await client.run({ app: app.id, ws: String(ws), inputs: {}, params: {} });
    const job = await client.waitForJob(id, { everyMs: POLL_MS, timeoutMs: 60_000 });
    const endedMs = performance.now() - called;
    if (job.state !== 'completed') throw new Error(`the dispatch probe ended ${job.state}: ${JSON.stringify(job)}`);
    return { startedMs: (await startedAt(join(jobsDir, String(id), 'out', 'started'))) - called, endedMs };
  };
}

/** The same container, run without the platform. */
class RawRuns {
  private round = 0;
  constructor(
    private readonly dir: string,
    private readonly image: string,
    private readonly account: Account,
    private readonly cluster: { slurmConf: string; partition: string },
  ) {}

  /** A fresh run directory and the argv the job wrapper runs on it. */
  private async chRunArgv(): Promise<{ argv: string[]; out: string }> {
    const runDir = join(this.dir, `raw-${this.round++}`);
    await prepareRunDir(runDir, this.account);
    return { argv: chRunArgv(runDir, this.image, this.account), out: join(runDir, 'out') };
  }

  async chRun(): Promise<Run> {
    const { argv, out } = await this.chRunArgv();
    const called = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`raw ch-run exited ${code}`))));
    });
    const endedMs = performance.now() - called;
    return { startedMs: (await startedAt(join(out, 'started'))) - called, endedMs };
  }

  async sbatch(): Promise<Run> {
    const { argv, out } = await this.chRunArgv();
    const script = join(out, '..', 'batch.sh');
    await writeBatchScript(script, { partition: this.cluster.partition, output: join(out, '..', 'slurm.out'), argv });
    const env = { ...process.env, SLURM_CONF: this.cluster.slurmConf };
    const called = performance.now();
    const id = (await run('sbatch', ['--parsable', script], { env })).stdout.trim();
    await untilGoneFromSqueue(id, env, POLL_MS);
    const endedMs = performance.now() - called;
    return { startedMs: (await startedAt(join(out, 'started'))) - called, endedMs };
  }
}
