import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { buildBusyboxImage } from '../images/busybox-image.js';
import { importDirectoryImage } from '../images/docker-import.js';
import type { JobSpec } from '../job-dir/job-spec.js';
import type { SchedulerStatus } from '../job-state.js';
import { engineDown, engineUp } from '../local/docker-engine.js';
import { markedPids, newMarker, readJobOutcome, TEST_APP, testJobSpec, WRAPPER, writeTestJob } from '../local/test-job.js';
import { listProcesses } from '../processes/process-table.js';
import { DockerScheduler } from './docker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the docker scheduler against a real engine', () => {
  let root: string;
  let engineDir: string;
  let socket: string;
  let imageId: string;
  let scheduler: DockerScheduler;
  let readsPath: string;
  let jobs = 0;
  const reads = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'narrative-docker-'));
    // Short: the engine directory holds Unix sockets, whose paths have a length limit.
    engineDir = await mkdtemp(join(tmpdir(), 'nd-'));
    const started = Date.now();
    socket = (await engineUp({ dir: engineDir })).socket;
    console.log(`engine up in ${Date.now() - started} ms`);
    const image = await buildBusyboxImage(join(root, 'image'), { 'run.sh': TEST_APP });
    imageId = (await importDirectoryImage(socket, image.location)).id;
    readsPath = join(root, 'blob-reads');
    await writeFile(readsPath, reads, { mode: 0o644 });
    scheduler = new DockerScheduler({ socketPath: socket, killGraceMs: 2_000 });
  });
  after(async () => {
    await engineDown(engineDir).catch(() => undefined); // the last test already did, unless it failed first
    await rm(engineDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  async function submit(params: Record<string, unknown>, overrides: Partial<JobSpec> = {}, memoryMiB = 64) {
    ++jobs;
    const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, user: 'nobody' } : null;
    const spec = testJobSpec({ jobId: `t${jobs}`, runtime: 'docker', image: { digest: imageId, format: 'docker-image', location: imageId }, params, readsPath, reads, runAs }, { memoryMiB, ...overrides });
    const jobDir = await writeTestJob(join(root, `job-${jobs}`), spec);
    // The same wrapper every backend runs; the scheduler tells it to use the engine.
    const id = await scheduler.submit({ jobId: spec.jobId, jobDir, argv: [process.execPath, WRAPPER, jobDir], resources: { cpus: 1, memoryMiB, timeMinutes: 1, gpus: 0 }, env: {} });
    return { id, jobDir };
  }

  async function finished(job: { id: string; jobDir: string }) {
    let status: SchedulerStatus | undefined;
    for (let i = 0; i < 600; i++, await sleep(50)) {
      status = (await scheduler.status([job.id])).get(job.id);
      if (status && ['completed', 'failed', 'cancelled'].includes(status.state)) break;
    }
    return { status, ...(await readJobOutcome(job.jobDir)) };
  }

  it('runs a job unprivileged to completion, hashing its outputs, and removes the container', async () => {
    const started = Date.now();
    const { status, result, log, text } = await finished(await submit({ mode: 'ok' }));
    console.log(`job run in ${Date.now() - started} ms`);
    assert.equal(status?.state, 'completed', JSON.stringify(result));
    assert.deepEqual([result.outcome, result.exitCode], ['exited', 0]);
    assert.match(text, /^uid [1-9][0-9]* mode ok$/m, 'not root');
    assert.ok(log.every((l) => ['stdout', 'stderr', 'system'].includes(l.stream)));
    assert.deepEqual(result.outputs.find((o) => o.path === 'lines.txt'), { path: 'lines.txt', sha256: createHash('sha256').update('8\n').digest('hex'), size: 2 });
    assert.deepEqual((result.declared as { outputs: { name: string }[] }).outputs.map((o) => o.name), ['stats']);
    assert.equal(result.runtime.name, 'docker');
    assert.match(result.runtime.version, /\d+\.\d+/);
    const left = await new Docker({ socketPath: socket }).listContainers({ all: true });
    assert.deepEqual(left, [], 'the container is removed once the result is written');
  });

  it('reports a non-zero exit with its stderr in the log', async () => {
    const { status, result, log } = await finished(await submit({ mode: 'fail' }));
    assert.deepEqual(status, { state: 'failed', reason: { kind: 'exit-code', code: 3 }, node: status?.state === 'failed' ? status.node : null });
    assert.deepEqual([result.outcome, result.exitCode], ['exited', 3]);
    assert.ok(log.some((l) => l.stream === 'stderr' && l.text === 'something broke'));
  });

  it('gives the container no network: only the loopback interface', async () => {
    const { text } = await finished(await submit({ mode: 'interfaces' }));
    assert.match(text, /^interfaces: lo $/m);
  });

  it('reaches no Docker socket from inside the container', async () => {
    const { text } = await finished(await submit({ mode: 'sockets' }));
    assert.match(text, /^sockets: end$/m, 'no Unix socket at all in the container\'s file system');
  });

  it('keeps the app inside /out: /in and the image are read-only, /tmp is private', async () => {
    const { result, text } = await finished(await submit({ mode: 'escape' }));
    assert.equal(result.exitCode, 0);
    assert.doesNotMatch(text, /wrote \/in|wrote \/etc/);
    assert.match(text, /wrote private tmp/);
  });

  it('cancels a running job: the container process is gone', async () => {
    const marker = newMarker();
    const job = await submit({ mode: 'sleep', marker });
    for (let i = 0; i < 200 && markedPids(marker).length === 0; i++) await sleep(50);
    assert.equal(markedPids(marker).length, 1, 'the app started');
    assert.equal((await scheduler.status([job.id])).get(job.id)?.state, 'running');
    await scheduler.cancel(job.id);
    assert.deepEqual(markedPids(marker), [], 'no process once cancel resolves');
    const { status, result } = await finished(job);
    assert.equal(status?.state, 'cancelled');
    assert.equal(result.outcome, 'cancelled');
    await scheduler.cancel(job.id); // cancelling an ended job is not an error
  });

  it('stops a job at its time limit', async () => {
    const marker = newMarker();
    const { status, result } = await finished(await submit({ mode: 'sleep', marker }, { timeLimitSeconds: 1 }));
    assert.equal(result.outcome, 'timed-out');
    assert.deepEqual(status && status.state === 'failed' && status.reason, { kind: 'walltime' });
    assert.deepEqual(markedPids(marker), []);
  });

  it('reports a job killed at its memory limit as out-of-memory', async () => {
    const { status, result } = await finished(await submit({ mode: 'allocate', mib: 64 }, {}, 16));
    assert.equal(result.outcome, 'out-of-memory', JSON.stringify(result));
    assert.deepEqual(result.memory, { limitMiB: 16, peakMiB: 16, enforcedBy: 'engine' });
    assert.deepEqual(status && status.state === 'failed' && status.reason, { kind: 'out-of-memory' });
  });

  it('refuses at submit what it must not run: network, a non-docker image, root', async () => {
    await assert.rejects(submit({ mode: 'ok' }, { network: true }), /asks for network/);
    await assert.rejects(submit({ mode: 'ok' }, { image: { digest: imageId, format: 'directory', location: '/tmp' } }), /docker-image/);
    await assert.rejects(submit({ mode: 'ok' }, { runAs: { uid: 0, gid: 0, user: 'root' } }), /refusing to run an app as root/);
  });

  it('stops the engine leaving no dockerd, containerd or shim behind', async () => {
    const marker = newMarker();
    await submit({ mode: 'sleep', marker }); // a job still running when the engine goes down
    for (let i = 0; i < 200 && markedPids(marker).length === 0; i++) await sleep(50);
    const started = Date.now();
    await engineDown(engineDir);
    console.log(`engine down in ${Date.now() - started} ms`);
    const ours = listProcesses().filter((p) => p.cmdline.includes(engineDir) && p.state !== 'Z');
    assert.deepEqual(ours.map((p) => p.cmdline), []);
    assert.deepEqual(markedPids(marker), []);
  });
});
