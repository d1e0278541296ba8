import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { SchedulerStatus } from '../../job-state.js';
import { sleep } from '../../local/daemon-processes.js';
import { clusterDown, clusterUp, type ClusterInfo } from '../../local/slurm/local-slurm.js';
import { clusterLayout } from '../../local/slurm/slurm-conf.js';
import { isRunning, listProcesses } from '../../processes/process-table.js';
import { SchedulerUnavailable, type SubmitRequest } from '../scheduler.js';
import { SlurmScheduler } from './slurm.js';

const execFileAsync = promisify(execFile);

describe('SlurmScheduler on a local Slurm cluster', { timeout: 120_000 }, () => {
  let dir = '';
  let cluster: ClusterInfo;
  let scheduler: SlurmScheduler;
  let count = 0;
  /** Submitting to a controller nobody runs takes sbatch ~9 s to give up: started first, checked last. */
  let unreachable: Promise<unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'narrative-slurm-'));
    cluster = await clusterUp({ dir });
    scheduler = new SlurmScheduler({ env: cluster.env, partition: cluster.partition, jobcompLog: clusterLayout(dir).jobCompLog });
    const deadConf = join(dir, 'dead-controller.conf');
    writeFileSync(deadConf, readFileSync(cluster.slurmConf, 'utf8').replace(/^SlurmctldPort=.*$/m, 'SlurmctldPort=1'));
    unreachable = new SlurmScheduler({ env: { SLURM_CONF: deadConf } }).submit(request(['/bin/true'])).then(() => 'submitted', (error: unknown) => error);
  });

  after(async () => {
    if (!dir) return;
    await unreachable;
    await clusterDown(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (argv: string[], extra: Partial<SubmitRequest> = {}): SubmitRequest => {
    const jobDir = join(dir, 'jobs', String(++count));
    mkdirSync(jobDir, { recursive: true });
    return { jobId: `test-${count}`, jobDir, argv, resources: { cpus: 1, memoryMiB: 64, timeMinutes: 10, gpus: 0 }, env: {}, ...extra };
  };

  const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
    for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  };

  const waitForStates = async (ids: string[], done: (s: SchedulerStatus) => boolean) => {
    let statuses = new Map<string, SchedulerStatus>();
    await waitFor(`${ids.join(', ')} to settle`, async () => {
      statuses = await scheduler.status(ids);
      return ids.every((id) => statuses.has(id) && done(statuses.get(id)!));
    });
    return statuses;
  };
  const ended = (s: SchedulerStatus) => !['queued', 'running'].includes(s.state);

  /** Live processes carrying the marker in their environment. */
  const marked = (marker: string) => listProcesses().filter((p) => {
    try {
      return isRunning(p.pid) && readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(`NARRATIVE_TEST_MARKER=${marker}`);
    } catch {
      return false;
    }
  });

  it('runs a job to completion, with the requested environment exported byte for byte', async () => {
    const tricky = `it's $(touch pwned) \`touch pwned\` "$HOME" ; * \\ !`;
    const job = request(['/bin/sh', '-c', 'printf %s "$TRICKY" > tricky.txt; printf %s "$USER" > user.txt'], { env: { TRICKY: tricky } });
    const id = await scheduler.submit(job);
    assert.match(id, /^\d+$/);
    const status = (await waitForStates([id], ended)).get(id);
    assert.equal(status?.state, 'completed', JSON.stringify(status));
    assert.ok(status.state === 'completed' && cluster.nodes.includes(status.node ?? ''), `ran on ${JSON.stringify(status)}`);
    assert.equal(readFileSync(join(job.jobDir, 'tricky.txt'), 'utf8'), tricky);
    // The job's environment has no USER but what the script exports; ch-run needs one.
    assert.equal(readFileSync(join(job.jobDir, 'user.txt'), 'utf8'), userInfo().username);
    assert.equal(statSync(join(job.jobDir, 'job.sh')).mode & 0o777, 0o600);
    assert.ok(statSync(join(job.jobDir, `slurm-${id}.out`)).isFile());
  });

  it('reports exit code 3 from the jobcomp log, and still knows the job once squeue has forgotten it', async () => {
    const id = await scheduler.submit(request(['/bin/sh', '-c', 'exit 3']));
    const exit3 = { kind: 'exit-code', code: 3 };
    const failureOf = (s: SchedulerStatus | undefined) => (s?.state === 'failed' ? s.reason : s);
    assert.deepEqual(failureOf((await waitForStates([id], ended)).get(id)), exit3);

    // squeue keeps finished jobs for MinJobAge (60 s+). Rather than wait, replay this job's real
    // jobcomp record under an id the controller never gave, so squeue cannot list it.
    const record = readFileSync(clusterLayout(dir).jobCompLog, 'utf8').split('\n').find((line) => line.startsWith(`JobId=${id} `));
    assert.ok(record, 'the job has a jobcomp record');
    const forgottenId = String(Number(id) + 100_000);
    const replayedLog = join(dir, 'replayed-jobcomp.log');
    writeFileSync(replayedLog, `${record.replace(`JobId=${id} `, `JobId=${forgottenId} `)}\n`);
    await assert.rejects(execFileAsync('squeue', ['--noheader', `--jobs=${forgottenId}`], { env: { ...process.env, ...cluster.env } }), /Invalid job id/);
    const replaying = new SlurmScheduler({ env: cluster.env, partition: cluster.partition, jobcompLog: replayedLog });
    const fallback = await replaying.status([forgottenId]);
    assert.deepEqual(failureOf(fallback.get(forgottenId)), exit3);
    // Known to nobody (sacct fails here: there is no slurmdbd): absent, not an error.
    assert.deepEqual(await replaying.status([String(Number(id) + 200_000)]), new Map());
  });

  it('shows the queue reason and position of jobs waiting for CPUs', async () => {
    // Each job takes a whole 4-CPU node: two run, two wait.
    const wholeNode = { cpus: 4, memoryMiB: 64, timeMinutes: 10, gpus: 0 };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await scheduler.submit(request(['/bin/sleep', '300'], { resources: wholeNode })));
    const [first, second, third, fourth] = ids as [string, string, string, string];
    try {
      const statuses = await waitForStates(ids, (s) => s.state === 'running' || (s.state === 'queued' && s.reason !== null && s.position !== null));
      assert.equal(statuses.get(first)?.state, 'running');
      assert.equal(statuses.get(second)?.state, 'running');
      assert.deepEqual(statuses.get(third), { state: 'queued', reason: 'Resources', position: 1 });
      assert.deepEqual(statuses.get(fourth), { state: 'queued', reason: 'Priority', position: 2 });
    } finally {
      for (const id of ids) await scheduler.cancel(id);
    }
    const cancelled = await waitForStates(ids, ended);
    assert.deepEqual([...cancelled.values()].map((s) => s.state), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });

  it('cancels a running job, leaving no process of it behind', async () => {
    const marker = randomUUID();
    const id = await scheduler.submit(request(['/bin/sleep', '300'], { env: { NARRATIVE_TEST_MARKER: marker } }));
    // Seen running first, or "none left" below would prove nothing.
    await waitFor('the job\'s sleep 300', () => marked(marker).some((p) => p.cmdline === '/bin/sleep 300'));
    await scheduler.cancel(id);
    const status = (await waitForStates([id], ended)).get(id);
    assert.equal(status?.state, 'cancelled');
    await waitFor('the job\'s processes to end', () => marked(marker).length === 0, 10_000);
    await scheduler.cancel(id); // already ended: not an error
  });

  it('runs an array of 3 tasks, each seeing its index, under task ids', async () => {
    const job = request(['/bin/sh', '-c', 'echo "$NARRATIVE_TASK_INDEX" > "index-$NARRATIVE_TASK_INDEX.txt"'], { array: { size: 3, parallel: 2 } });
    const id = await scheduler.submit(job);
    const tasks = [0, 1, 2].map((i) => `${id}_${i}`);
    // Asked by the array's id, the answer is per task, pending ones included.
    assert.deepEqual([...(await scheduler.status([id])).keys()].sort(), tasks);
    const statuses = await waitForStates(tasks, ended);
    assert.deepEqual(tasks.map((t) => statuses.get(t)?.state), ['completed', 'completed', 'completed']);
    for (const i of [0, 1, 2]) {
      assert.equal(readFileSync(join(job.jobDir, `index-${i}.txt`), 'utf8'), `${i}\n`);
      assert.ok(statSync(join(job.jobDir, `slurm-${id}_${i}.out`)).isFile());
    }
  });

  it('says the scheduler is unavailable when sbatch is missing or cannot reach the controller', async () => {
    const noClient = new SlurmScheduler({ env: { ...cluster.env, PATH: join(dir, 'empty-bin') } });
    await assert.rejects(noClient.submit(request(['/bin/true'])), (error: Error) => error instanceof SchedulerUnavailable && /sbatch not found/.test(error.message));
    const error = await unreachable;
    assert.ok(error instanceof SchedulerUnavailable, String(error));
    assert.match(error.message, /sbatch cannot reach the Slurm controller: .*Unable to contact slurm controller/);
  });
});
