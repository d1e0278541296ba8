import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SchedulerStatus } from '../job-state.js';
import { sleep } from '../local/daemon-processes.js';
import { isRunning, listProcesses } from '../processes/process-table.js';
import { LocalScheduler } from './local.js';
import type { Scheduler, SubmitRequest } from './scheduler.js';

describe('LocalScheduler', { timeout: 60_000 }, () => {
  let root = '';
  let count = 0;
  before(() => { root = mkdtempSync(join(tmpdir(), 'narrative-local-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A request in a fresh job directory; the walltime is generous unless the test says otherwise. */
  const request = (argv: string[], extra: Partial<SubmitRequest> = {}): SubmitRequest => {
    const jobDir = join(root, `job-${++count}`);
    mkdirSync(jobDir);
    return { jobId: `test-${count}`, jobDir, argv, resources: { cpus: 1, memoryMiB: 64, timeMinutes: 60, gpus: 0 }, env: {}, ...extra };
  };

  const statusOf = async (scheduler: Scheduler, id: string) => (await scheduler.status([id])).get(id);

  const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
    for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(20)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    }
  };

  const finalStatus = async (scheduler: Scheduler, id: string): Promise<SchedulerStatus | undefined> => {
    let status: SchedulerStatus | undefined;
    await waitFor(`${id} to end`, async () => {
      status = await statusOf(scheduler, id);
      return status !== undefined && status.state !== 'queued' && status.state !== 'running';
    });
    return status;
  };

  /** Live processes carrying the marker in their environment: a job's processes, children included. */
  const marked = (marker: string) => listProcesses().filter((p) => {
    try {
      return isRunning(p.pid) && readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(`NARRATIVE_TEST_MARKER=${marker}`);
    } catch {
      return false;
    }
  });

  it('runs a job to completion with only a minimal environment, logging to scheduler.log', async () => {
    const scheduler = new LocalScheduler();
    process.env.NARRATIVE_TEST_SERVER_SECRET = 'must-not-leak';
    try {
      const job = request(['/bin/sh', '-c', 'echo "out $USER $GREETING"; echo err >&2; env > env.txt'], { env: { GREETING: `it's "quoted" $HOME` } });
      const id = await scheduler.submit(job);
      assert.match(id, /^local-\d+$/);
      assert.deepEqual(await finalStatus(scheduler, id), { state: 'completed', node: hostname() });
      const log = readFileSync(join(job.jobDir, 'scheduler.log'), 'utf8');
      assert.match(log, /^out \S+ it's "quoted" \$HOME$/m);
      assert.match(log, /^err$/m);
      const names = readFileSync(join(job.jobDir, 'env.txt'), 'utf8').split('\n').filter(Boolean).map((line) => line.split('=')[0]);
      // sh adds PWD and SHLVL itself; nothing of the server's environment arrives.
      assert.deepEqual(names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n!)).sort(), ['GREETING', 'HOME', 'PATH', 'USER']);
    } finally {
      delete process.env.NARRATIVE_TEST_SERVER_SECRET;
    }
  });

  it('reports a non-zero exit as failed with its exit code, and a missing program as a launcher error', async () => {
    const scheduler = new LocalScheduler();
    const failing = await scheduler.submit(request(['/bin/sh', '-c', 'exit 3']));
    assert.deepEqual(await finalStatus(scheduler, failing), { state: 'failed', reason: { kind: 'exit-code', code: 3 }, node: hostname() });
    const missing = await scheduler.submit(request(['/no/such/program']));
    const status = await finalStatus(scheduler, missing);
    assert.equal(status?.state === 'failed' && status.reason.kind, 'launcher-error');
  });

  it('refuses what it could never run, and does not know ids it never gave', async () => {
    const scheduler = new LocalScheduler();
    await assert.rejects(scheduler.submit(request([])), /empty argv/);
    await assert.rejects(scheduler.submit(request(['/bin/true'], { env: { 'BAD-NAME': 'x' } })), /not a valid environment variable name/);
    await assert.rejects(scheduler.submit({ ...request(['/bin/true']), jobDir: join(root, 'missing') }), /no job directory/);
    assert.deepEqual(await scheduler.status(['local-1', 'nonsense']), new Map());
    await scheduler.cancel('local-1'); // not an error
  });

  it('ends a job at its walltime, SIGKILLing a group that ignores SIGTERM', async () => {
    const scheduler = new LocalScheduler({ minuteMs: 300, killGraceMs: 300 });
    const marker = randomUUID();
    const started = Date.now();
    // trap '' TERM: the shell and the sleep it starts both ignore SIGTERM; only SIGKILL ends them.
    const id = await scheduler.submit(request(['/bin/sh', '-c', 'trap "" TERM; sleep 300'], { env: { NARRATIVE_TEST_MARKER: marker }, resources: { cpus: 1, memoryMiB: 64, timeMinutes: 1, gpus: 0 } }));
    await waitFor('the job to start', () => marked(marker).length === 2);
    const status = await finalStatus(scheduler, id);
    const reason = status?.state === 'failed' && status.reason.kind === 'walltime' ? status.reason : null;
    assert.ok(reason, JSON.stringify(status));
    assert.equal(reason.limitSeconds, 0.3, 'the limit as enforced: one (300 ms) minute');
    assert.ok(reason.ranSeconds! >= reason.limitSeconds, `ran ${reason.ranSeconds} s, at least its limit`);
    assert.equal(status?.state === 'failed' && status.node, hostname());
    assert.ok(Date.now() - started >= 600, 'one minute (300 ms) plus the grace period (300 ms) passed');
    assert.deepEqual(marked(marker), []);
  });

  it('cancels a job and every process it started', async () => {
    const scheduler = new LocalScheduler({ killGraceMs: 2_000 });
    const marker = randomUUID();
    // Two sleeps: one in the background, one in the foreground; killing only the shell would orphan both.
    const id = await scheduler.submit(request(['/bin/sh', '-c', 'sleep 300 & sleep 300; wait'], { env: { NARRATIVE_TEST_MARKER: marker } }));
    await waitFor('the shell and both sleeps', () => marked(marker).length === 3);
    assert.deepEqual(await statusOf(scheduler, id), { state: 'running', node: hostname() });
    await scheduler.cancel(id);
    assert.deepEqual(await statusOf(scheduler, id), { state: 'cancelled', node: hostname() });
    assert.deepEqual(marked(marker), [], 'no process of the job is left');
    await scheduler.cancel(id); // a finished job: not an error
  });

  it('queues jobs beyond its slots first in, first out, with their positions', async () => {
    const scheduler = new LocalScheduler({ slots: 1, killGraceMs: 2_000 });
    const marker = randomUUID();
    const sleeper = () => request(['/bin/sleep', '300'], { env: { NARRATIVE_TEST_MARKER: marker } });
    const [a, b, c] = [await scheduler.submit(sleeper()), await scheduler.submit(sleeper()), await scheduler.submit(sleeper())] as [string, string, string];
    const all = await scheduler.status([a, b, c]);
    assert.equal(all.get(a)?.state, 'running');
    assert.deepEqual(all.get(b), { state: 'queued', reason: 'waiting for a free slot', position: 1 });
    assert.deepEqual(all.get(c), { state: 'queued', reason: 'waiting for a free slot', position: 2 });
    await scheduler.cancel(b);
    assert.deepEqual(await statusOf(scheduler, b), { state: 'cancelled', node: null });
    assert.deepEqual(await statusOf(scheduler, c), { state: 'queued', reason: 'waiting for a free slot', position: 1 });
    await scheduler.cancel(a); // frees the slot: c starts
    assert.equal((await statusOf(scheduler, c))?.state, 'running');
    await scheduler.cancel(c);
    assert.deepEqual(marked(marker), []);
  });

  it('starts a job only once the jobs it runs after completed, and ends it unrun, failed, when one did not', async () => {
    const scheduler = new LocalScheduler({ slots: 4 });
    const gate = join(root, `gate-${randomUUID()}`);
    // The first job waits for the test to create the gate, so its dependants are seen waiting.
    const first = request(['/bin/sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done; echo first > order.txt`]);
    const a = await scheduler.submit(first);
    const b = await scheduler.submit(request(['/bin/sh', '-c', `echo second >> ${join(first.jobDir, 'order.txt')}`], { after: [a] }));
    const c = await scheduler.submit(request(['/bin/sh', '-c', `echo third >> ${join(first.jobDir, 'order.txt')}`], { after: [a, b] }));
    const waiting = await scheduler.status([b, c]);
    assert.deepEqual(waiting.get(b), { state: 'queued', reason: `waiting for job ${a}`, position: 1 });
    assert.deepEqual(waiting.get(c), { state: 'queued', reason: `waiting for jobs ${a}, ${b}`, position: 2 });
    mkdirSync(gate);
    assert.deepEqual(await finalStatus(scheduler, c), { state: 'completed', node: hostname() });
    assert.equal(readFileSync(join(first.jobDir, 'order.txt'), 'utf8'), 'first\nsecond\nthird\n');

    // A chain after a failing job: neither dependant runs, each names the job it waited for.
    const failing = await scheduler.submit(request(['/bin/sh', '-c', 'sleep 0.2; exit 3']));
    const [second, third] = [request(['/bin/sh', '-c', 'touch ran']), request(['/bin/sh', '-c', 'touch ran'])];
    const d = await scheduler.submit({ ...second, after: [failing] });
    const e = await scheduler.submit({ ...third, after: [d] });
    const never = (id: string) => ({ state: 'failed', reason: { kind: 'dependency', detail: `an earlier step (scheduler job ${id}) did not complete` }, node: null });
    assert.deepEqual(await finalStatus(scheduler, e), never(d));
    assert.deepEqual(await statusOf(scheduler, d), never(failing));
    assert.equal(existsSync(join(second.jobDir, 'ran')) || existsSync(join(third.jobDir, 'ran')), false);
    // After a job that has already failed: ended at once.
    assert.deepEqual(await statusOf(scheduler, await scheduler.submit(request(['/bin/true'], { after: [failing] }))), never(failing));
  });

  it('ends the dependants of a cancelled job, waits for every task of an array, and refuses ids it never gave', async () => {
    const scheduler = new LocalScheduler({ slots: 2, killGraceMs: 2_000 });
    const sleeping = await scheduler.submit(request(['/bin/sleep', '300']));
    const dependant = await scheduler.submit(request(['/bin/true'], { after: [sleeping] }));
    await scheduler.cancel(sleeping);
    assert.deepEqual(await statusOf(scheduler, dependant), { state: 'failed', reason: { kind: 'dependency', detail: `an earlier step (scheduler job ${sleeping}) did not complete` }, node: null });

    const array = await scheduler.submit(request(['/bin/sh', '-c', 'sleep 0.1; [ "$NARRATIVE_TASK_INDEX" != 2 ]'], { array: { size: 3 } }));
    const afterArray = await scheduler.submit(request(['/bin/true'], { after: [array] }));
    const afterTask = await scheduler.submit(request(['/bin/true'], { after: [`${array}_0`] }));
    assert.deepEqual(await finalStatus(scheduler, afterTask), { state: 'completed', node: hostname() });
    const status = await finalStatus(scheduler, afterArray);
    assert.equal(status?.state === 'failed' && status.reason.kind, 'dependency', 'task 2 failed, so the array did not complete');

    await assert.rejects(scheduler.submit(request(['/bin/true'], { after: ['local-1'] })), /cannot run after "local-1": no such job on this local scheduler/);
  });

  it('runs an array: each task sees its index, at most `parallel` at once', async () => {
    const scheduler = new LocalScheduler({ slots: 4 });
    const job = request(['/bin/sh', '-c', 'sleep 0.2; echo "$NARRATIVE_TASK_INDEX" > "index-$NARRATIVE_TASK_INDEX.txt"'], { array: { size: 3, parallel: 2 } });
    const id = await scheduler.submit(job);
    const first = await scheduler.status([id]);
    assert.deepEqual([...first.keys()], [`${id}_0`, `${id}_1`, `${id}_2`]);
    assert.deepEqual([...first.values()].map((s) => s.state), ['running', 'running', 'queued']);
    assert.deepEqual(first.get(`${id}_2`), { state: 'queued', reason: 'waiting for the array\'s parallel limit', position: 1 });
    for (const index of [0, 1, 2]) assert.deepEqual(await finalStatus(scheduler, `${id}_${index}`), { state: 'completed', node: hostname() });
    for (const index of [0, 1, 2]) assert.equal(readFileSync(join(job.jobDir, `index-${index}.txt`), 'utf8'), `${index}\n`);
  });
});
