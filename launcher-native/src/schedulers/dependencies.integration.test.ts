import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildBusyboxImage } from '../images/busybox-image.js';
import type { JobSpec } from '../job-dir/job-spec.js';
import { jobFolders } from '../job-dir/layout.js';
import { writeSaved } from '../job-dir/saved.js';
import type { SchedulerStatus } from '../job-state.js';
import { sleep } from '../local/daemon-processes.js';
import { clusterDown, clusterUp, type ClusterInfo } from '../local/slurm/local-slurm.js';
import { readJobOutcome, TEST_APP, testJobSpec, WRAPPER, writeTestJob } from '../local/test-job.js';
import { LocalScheduler } from './local.js';
import type { Scheduler } from './scheduler.js';
import { SlurmScheduler } from './slurm/slurm.js';

const execFileAsync = promisify(execFile);

/**
 * A whole run as one graph: three jobs A → B → C submitted at once, B and C after the one
 * before, each staged from the one before's output (the test app's `relay` mode), on the
 * local Slurm cluster and on the local scheduler; then the same chain after a failing A.
 */
describe('job dependencies, on Slurm and the local scheduler', { timeout: 300_000 }, () => {
  let root = '';
  let cluster: ClusterInfo;
  let image: { location: string; digest: string };
  let readsPath = '';
  let count = 0;
  const reads = 'r1\n';

  before(async () => {
    // Short: the cluster directory holds Unix sockets, whose paths have a length limit.
    root = await mkdtemp(join(tmpdir(), 'ndeps-'));
    // The app's account (nobody, when the tests run as root) must reach each job's /in and /out.
    await chmod(root, 0o711);
    await mkdir(join(root, 'jobs'), { mode: 0o711 });
    cluster = await clusterUp({ dir: join(root, 'c') });
    image = await buildBusyboxImage(join(root, 'image'), { 'run.sh': TEST_APP });
    readsPath = join(root, 'blob-reads');
    await writeFile(readsPath, reads, { mode: 0o644 });
  });

  after(async () => {
    if (!root) return;
    await clusterDown(join(root, 'c'));
    await rm(root, { recursive: true, force: true });
  });

  /** A job directory for the test app in `mode`, its input `reads` staged from `from`'s output `stats` when given. */
  async function job(mode: string, from?: string, params: Record<string, unknown> = {}): Promise<string> {
    const jobId = `dep-${++count}`;
    const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, user: 'nobody' } : null;
    const inputs: JobSpec['inputs'] | undefined = from ? [{ name: 'reads', type: 'Report.Report-1.0', from: { jobDir: from, output: 'stats' } }] : undefined;
    const spec = testJobSpec({ jobId, runtime: 'charliecloud', image: { digest: image.digest, format: 'directory', location: image.location }, params: { mode, ...params }, readsPath, reads, runAs }, inputs ? { inputs } : {});
    return writeTestJob(join(root, 'jobs', jobId), spec);
  }

  const submit = (scheduler: Scheduler, jobDir: string, after?: string[]) => scheduler.submit({
    jobId: jobDir.split('/').pop()!, jobDir, argv: [process.execPath, WRAPPER, jobDir], resources: { cpus: 1, memoryMiB: 256, timeMinutes: 10, gpus: 0 }, env: {}, ...(after ? { after } : {}),
  });

  async function settled(scheduler: Scheduler, ids: string[], done: (s: SchedulerStatus) => boolean, timeoutMs = 120_000): Promise<Map<string, SchedulerStatus>> {
    for (const deadline = Date.now() + timeoutMs; ; await sleep(200)) {
      const statuses = await scheduler.status(ids);
      if (ids.every((id) => statuses.has(id) && done(statuses.get(id)!))) return statuses;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${ids.join(', ')}: ${JSON.stringify(Object.fromEntries(statuses))}`);
    }
  }
  const ended = (s: SchedulerStatus) => !['queued', 'running'].includes(s.state);
  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  /** The reference the stand-in server gives a job's output. */
  const savedRef = (jobDir: string) => `7/${jobDir.split('-').pop()}/1`;

  /** What the server does once a job ended: records what it saved in saved.json, which the next step's wrapper waits for. */
  function standInServer(dirs: string[]): void {
    const timer = setInterval(() => {
      for (const dir of dirs) {
        if (!existsSync(join(dir, 'result.json')) || existsSync(join(dir, 'saved.json'))) continue;
        void writeSaved(dir, { outputs: { stats: { ref: savedRef(dir), data: { title: 'relayed', saved: true } } } });
      }
    }, 100);
    // Left to run out with the test process, whatever the assertions do.
    timer.unref();
  }

  /** A → B → C, all submitted before A ends; `inspect` sees the ids while B and C still wait. */
  async function chain(scheduler: Scheduler, inspect: (ids: [string, string, string]) => Promise<void>) {
    const a = await job('relay', undefined, { pause: 3 });
    const b = await job('relay', a);
    const c = await job('relay', b);
    standInServer([a, b, c]);
    const idA = await submit(scheduler, a);
    const idB = await submit(scheduler, b, [idA]);
    const idC = await submit(scheduler, c, [idB]);
    await inspect([idA, idB, idC]);
    const waiting = await settled(scheduler, [idB, idC], (s) => s.state === 'queued' && s.reason !== null, 10_000);
    const reasonOf = (id: string) => { const s = waiting.get(id); return s?.state === 'queued' ? s.reason : s; };
    assert.deepEqual([reasonOf(idB), reasonOf(idC)], [`waiting for job ${idA}`, `waiting for job ${idB}`]);

    const statuses = await settled(scheduler, [idA, idB, idC], ended);
    assert.deepEqual([idA, idB, idC].map((id) => statuses.get(id)?.state), ['completed', 'completed', 'completed'], JSON.stringify(Object.fromEntries(statuses)));
    const [ra, rb, rc] = await Promise.all([a, b, c].map(async (dir) => (await readJobOutcome(dir)).result));
    assert.ok(Date.parse(rb!.startedAt) >= Date.parse(ra!.endedAt) && Date.parse(rc!.startedAt) >= Date.parse(rb!.endedAt), 'each started after the one before ended');
    // Each relayed what the one before made.
    assert.equal(readFileSync(join(jobFolders(c).outDir, 'lines.txt'), 'utf8'), `${reads}relayed\nrelayed\nrelayed\n`);
    const seen = JSON.parse(readFileSync(join(jobFolders(c).outDir, 'inputs-seen.json'), 'utf8')) as unknown;
    assert.deepEqual(seen, { reads: { ref: savedRef(b), from: { job: rb!.jobId, output: 'stats' }, type: 'Report.Report-1.0', data: { title: 'relayed', saved: true }, files: ['lines.txt'] } });
    assert.deepEqual(rc!.upstream, [{ input: 'reads', jobDir: b, jobId: rb!.jobId, output: 'stats', files: [{ path: 'lines.txt', sha256: sha256(join(jobFolders(b).outDir, 'lines.txt')) }] }]);
    assert.equal(ra!.upstream, undefined, 'A staged nothing from another job');
  }

  /** A fails: B and C end failed for it, each naming the job it waited for, and neither ever ran. */
  async function brokenChain(scheduler: Scheduler) {
    const a = await job('fail');
    const b = await job('relay', a);
    const c = await job('relay', b);
    const idA = await submit(scheduler, a);
    const idB = await submit(scheduler, b, [idA]);
    const idC = await submit(scheduler, c, [idB]);
    const statuses = await settled(scheduler, [idA, idB, idC], ended);
    const failure = (id: string) => { const s = statuses.get(id); return s?.state === 'failed' ? s.reason : s; };
    assert.deepEqual(failure(idA), { kind: 'exit-code', code: 3 });
    assert.deepEqual(failure(idB), { kind: 'dependency', detail: `an earlier step (scheduler job ${idA}) did not complete` });
    assert.deepEqual(failure(idC), { kind: 'dependency', detail: `an earlier step (scheduler job ${idB}) did not complete` });
    for (const dir of [b, c]) assert.deepEqual(readdirSync(dir).filter((f) => f !== 'job.sh'), ['job.json'], `${dir}: no wrapper ever started there`);
    assert.ok(existsSync(join(a, 'result.json')));
  }

  it('on Slurm: runs the chain in order as afterok dependencies Slurm holds, and cancels the rest after a failed step', async () => {
    const scheduler = new SlurmScheduler({ env: cluster.env, partition: cluster.partition, jobcompLog: cluster.jobcompLog });
    const slurm = async (argv: string[]) => (await execFileAsync(argv[0]!, argv.slice(1), { env: { ...process.env, ...cluster.env } })).stdout;
    await chain(scheduler, async ([idA, idB, idC]) => {
      // Read back from Slurm itself while A still runs (it pauses 3 s): B waits for A, C for B.
      const listed = await slurm(['squeue', '--noheader', `--jobs=${idB},${idC}`, '--format=%i|%E']);
      assert.deepEqual(listed.trim().split('\n').sort(), [`${idB}|afterok:${idA}(unfulfilled)`, `${idC}|afterok:${idB}(unfulfilled)`].sort());
      const shown = await slurm(['scontrol', 'show', 'job', idC]);
      assert.match(shown, new RegExp(`\\bDependency=afterok:${idB}\\(unfulfilled\\)`));
      assert.match(shown, /\bKillOInInvalidDependent=Yes\b/);
    });
    await brokenChain(scheduler);
  });

  it('on the local scheduler: the same chain, in the same order, with the same reasons', async () => {
    const scheduler = new LocalScheduler({ slots: 2 });
    await chain(scheduler, async ([idA, idB]) => {
      assert.deepEqual(await scheduler.status([idB]), new Map([[idB, { state: 'queued', reason: `waiting for job ${idA}`, position: 1 }]]));
    });
    await brokenChain(scheduler);
  });
});
