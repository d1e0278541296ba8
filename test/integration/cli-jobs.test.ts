import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppSpec } from '@narrative/server/client';
import { runCli, type CliRun } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp } from '../support/test-app.js';



interface JobDoc {
  jobId: number;
  app: string;
  version: string;
  state: string;
  failure: unknown;
  params: Record<string, unknown>;
  inputs: { name: string; given: string; resolved: string }[];
  outputs: string[] | null;
  attempt: number;
  retryOf: number | null;
}

describe('narrative app and job commands (the compiled binary against a real server)', () => {
  let h: Harness;
  let home: string;
  let spec: AppSpec;
  let alice: string;
  let wsid: number;
  let readsRef: string;

  const run = (args: string[], token: string): Promise<CliRun> => runCli(args, { url: h.server.url, home, token });

  /** Runs with --json and parses stdout as exactly one JSON document, whatever the exit code. */
  async function doc<T>(args: string[], token = alice): Promise<{ code: number; stderr: string; value: T }> {
    const r = await run([...args, '--json'], token);
    try {
      return { code: r.code, stderr: r.stderr, value: JSON.parse(r.stdout) as T };
    } catch {
      return assert.fail(`narrative ${args.join(' ')} --json printed no JSON document: ${JSON.stringify(r.stdout)} (stderr: ${r.stderr.trim()})`);
    }
  }

  /** Expects success. */
  async function json<T>(args: string[], token = alice): Promise<T> {
    const r = await doc<T>(args, token);
    assert.equal(r.code, 0, `narrative ${args.join(' ')} failed (${r.code}): ${r.stderr}${JSON.stringify(r.value)}`);
    return r.value;
  }

  /** Expects a non-zero exit and an `error` problem. */
  async function fails(args: string[], token = alice): Promise<{ code: number; error: { title: string; detail: string; status?: number } }> {
    const r = await doc<{ error: { title: string; detail: string; status?: number } }>(args, token);
    assert.notEqual(r.code, 0, `narrative ${args.join(' ')} should fail, printed ${JSON.stringify(r.value)}`);
    assert.ok(r.value.error?.detail, `no error detail in ${JSON.stringify(r.value)}`);
    assert.match(r.stderr, /narrative/, 'a human message goes to stderr too');
    return { code: r.code, error: r.value.error };
  }

  const runArgs = (...extra: string[]) => ['run', 'test/count-lines', '--ws', String(wsid), '--input', `reads=${readsRef}`, ...extra];

  before(async () => {
    h = await startHarness(['alice']);
    alice = h.users.alice!.token;
    home = await mkdtemp(join(tmpdir(), 'narrative-cli-jobs-'));
    spec = await buildTestApp();
    await mkdir(join(home, 'count-lines'));
    await writeFile(join(home, 'count-lines', 'app.json'), JSON.stringify(spec, null, 2));
    await writeFile(join(home, 'changed.json'), JSON.stringify({ ...spec, argv: ['/bin/sh', '-c', 'true'] }));
    await writeFile(join(home, 'reads.fastq'), '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n');
  });
  after(async () => {
    await h.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('app register <dir> registers the spec in its app.json; the same spec again is fine', async () => {
    const admin = h.server.adminToken!;
    const registered = await json<{ id: string; version: string; channel: string; spec: AppSpec }>(['app', 'register', join(home, 'count-lines')], admin);
    assert.equal(registered.id, 'test/count-lines');
    assert.equal(registered.version, spec.version);
    assert.equal(registered.channel, 'dev');
    assert.deepEqual(registered.spec.argv, spec.argv);
    const again = await json<{ version: string }>(['app', 'register', join(home, 'count-lines', 'app.json')], admin);
    assert.equal(again.version, spec.version);
  });

  it('app register refuses a changed spec under the same version, and plain users', async () => {
    const changed = await fails(['app', 'register', join(home, 'changed.json')], h.server.adminToken!);
    assert.equal(changed.error.status, 409);
    assert.match(changed.error.detail, /test\/count-lines@1\.0\.0 is already registered with a different spec/);
    const plain = await fails(['app', 'register', join(home, 'count-lines')], alice);
    assert.equal(plain.error.status, 403);
    const missing = await fails(['app', 'register', join(home, 'nowhere')], alice);
    assert.equal(missing.code, 2, 'a missing spec file is a usage error');
  });

  it('app list and app show', async () => {
    const list = await json<{ id: string; version: string; channel: string }[]>(['app', 'list']);
    assert.deepEqual(list.map((a) => [a.id, a.version, a.channel]), [['test/count-lines', '1.0.0', 'dev']]);
    const human = await run(['app', 'list'], alice);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^id\s+version\s+channel\s+name\s+categories$/m);
    assert.match(human.stdout, /^test\/count-lines\s+1\.0\.0\s+dev\s+Count lines\s+Test$/m);
    const shown = await json<{ id: string; spec: AppSpec }>(['app', 'show', 'test/count-lines@1.0.0']);
    assert.equal(shown.spec.container.image.digest, spec.container.image.digest);
    assert.equal((await json<{ version: string }>(['app', 'show', 'test/count-lines'])).version, '1.0.0');
    assert.equal((await fails(['app', 'show', 'test/count-lines@9.9.9'])).error.status, 404);
  });

  it('a workspace and reads uploaded through the CLI', async () => {
    wsid = (await json<{ id: number }>(['workspace', 'create', 'alice-cli-jobs'])).id;
    readsRef = (await json<{ ref: string }>(['upload', join(home, 'reads.fastq'), '--type', 'Genomics.Reads-1.0', '--ws', String(wsid), '--name', 'reads'])).ref;
  });

  let completed: JobDoc;
  it('run --wait completes with typed outputs', async () => {
    const r = await doc<JobDoc>(runArgs('--param', 'mode="ok"', '--wait'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no progress line when stderr is not a terminal');
    completed = r.value;
    assert.ok(Number.isInteger(completed.jobId) && completed.jobId > 0);
    assert.equal(completed.state, 'completed', JSON.stringify(completed.failure));
    assert.equal(completed.app, 'test/count-lines');
    assert.deepEqual(completed.params, { mode: 'ok' }, 'a quoted JSON string is the string');
    assert.deepEqual(completed.inputs, [{ name: 'reads', given: readsRef, resolved: readsRef }]);
    assert.equal(completed.outputs?.length, 1);
    const output = await json<{ type: string; provenance: { kind: string } }>(['object', 'get', completed.outputs![0]!]);
    assert.equal(output.type, 'Report.Report-1.0');
    assert.equal(output.provenance.kind, 'app');
  });

  it('run --each runs one job per object as one array', async () => {
    const { jobs } = await json<{ jobs: { jobId: number; state: string; inputs: { given: string }[]; outputs: string[] }[] }>([
      'run', 'test/count-lines', '--ws', String(wsid), '--each', `reads=${readsRef},${readsRef}`, '--wait', '--json',
    ]);
    assert.deepEqual(jobs.map((j) => j.state), ['completed', 'completed']);
    assert.deepEqual(jobs.map((j) => j.inputs[0]!.given), [readsRef, readsRef]);
    assert.notEqual(jobs[0]!.outputs[0], jobs[1]!.outputs[0], 'each job saved its own output');
    const usage = await fails(['run', 'test/count-lines', '--ws', String(wsid), '--each', 'reads=', '--json']);
    assert.equal(usage.code, 2);
  });

  it('job status and job logs show the job and its output lines', async () => {
    const status = await json<JobDoc>(['job', 'status', String(completed.jobId)]);
    assert.equal(status.jobId, completed.jobId);
    assert.equal(status.state, 'completed');
    const human = await run(['job', 'logs', String(completed.jobId)], alice);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^\d{4}-\d\d-\d\dT\S+ stdout uid [1-9]\d* mode ok$/m, 'time stream text');
    assert.match(human.stdout, / stdout counting lines$/m);
    const logs = await json<{ jobId: number; state: string; lines: { n: number; stream: string; text: string }[]; next: number }>(['job', 'logs', String(completed.jobId)]);
    assert.equal(logs.state, 'completed');
    assert.deepEqual(logs.lines.map((l) => l.n), logs.lines.map((_, i) => i + 1));
    assert.equal(logs.next, logs.lines.length);
    assert.ok(logs.lines.some((l) => l.stream === 'stdout' && l.text === 'counting lines'));
  });

  it('job logs --follow polls until the job has ended and prints every line', async () => {
    const started = await json<JobDoc>(runArgs());
    assert.notEqual(started.state, 'completed', 'run without --wait returns at once');
    const followed = await json<{ state: string; lines: { text: string }[] }>(['job', 'logs', String(started.jobId), '--follow']);
    assert.equal(followed.state, 'completed');
    assert.ok(followed.lines.some((l) => l.text === 'counting lines'), JSON.stringify(followed.lines));
  });

  let failed: JobDoc;
  it('run --wait of a failing app exits non-zero and reports the exit code', async () => {
    const r = await doc<JobDoc>(runArgs('--param', 'mode=fail', '--wait'));
    assert.equal(r.code, 3);
    failed = r.value;
    assert.equal(failed.state, 'failed');
    assert.deepEqual(failed.failure, { kind: 'exit-code', code: 3 });
    assert.match(r.stderr, new RegExp(`job ${failed.jobId} failed: the app exited with code 3`));
  });

  it('job retry makes a new job with retryOf', async () => {
    const retried = await json<JobDoc>(['job', 'retry', String(failed.jobId)]);
    assert.notEqual(retried.jobId, failed.jobId);
    assert.equal(retried.retryOf, failed.jobId);
    assert.equal(retried.attempt, 2);
    assert.deepEqual(retried.params, { mode: 'fail' });
    await h.users.alice!.client.waitForJob(retried.jobId);
  });

  it('--request-id twice gives the same job; job cancel ends it cancelled, and run --wait on it exits non-zero', async () => {
    const id = ['--param', 'mode=sleep', '--request-id', 'cli-jobs-sleep-1'];
    const waiting = doc<JobDoc>(runArgs(...id, '--wait'));
    const first = await json<JobDoc>(runArgs(...id));
    const second = await json<JobDoc>(runArgs(...id));
    assert.equal(second.jobId, first.jobId);
    for (let i = 0; i < 100 && (await json<JobDoc>(['job', 'status', String(first.jobId)])).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    const cancelled = await json<JobDoc>(['job', 'cancel', String(first.jobId)]);
    assert.equal(cancelled.state, 'cancelled');
    assert.equal((await json<JobDoc>(['job', 'status', String(first.jobId)])).state, 'cancelled');
    const waited = await waiting;
    assert.equal(waited.value.jobId, first.jobId, 'the waiting run was the same job');
    assert.equal(waited.value.state, 'cancelled');
    assert.equal(waited.code, 3);
  });

  it('bad runs exit non-zero with the server\'s message, or as usage errors', async () => {
    const explode = await fails(runArgs('--param', 'mode=explode'));
    assert.equal(explode.error.status, 422);
    assert.match(explode.error.detail, /params\/mode/);
    const number = await fails(runArgs('--param', 'mode=3'));
    assert.match(number.error.detail, /params\/mode must be string/, 'a value that parses as JSON is sent as JSON');
    assert.equal((await fails(['run', 'test/nope', '--ws', String(wsid)])).error.status, 404);
    for (const args of [runArgs('--input', 'reads'), runArgs('--input', `reads=${readsRef}`), ['run', 'count-lines', '--ws', '1'], ['job', 'status', 'x1'], ['run', 'test/count-lines']]) {
      assert.equal((await fails(args)).code, 2, args.join(' '));
    }
  });
});
