import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildBusyboxImage } from '../images/busybox-image.js';
import { buildOciArchive } from '../images/oci-archive.js';
import type { JobSpec } from '../job-dir/job-spec.js';
import { jobFolders } from '../job-dir/layout.js';
import { markedPids, newMarker, readJobOutcome, runWrapper, TEST_APP, testJobSpec, WRAPPER, writeTestJob } from '../local/test-job.js';

/**
 * The wrapper with rootless podman (runc) on an OCI archive of the busybox image, for real.
 * As root the app runs as the service account narrative-runner, which has the subuid/subgid
 * ranges rootless podman needs (scripts/setup.mjs); otherwise as the caller.
 */
const exec = promisify(execFile);
const pgrep = (pattern: string) => exec('pgrep', ['-f', pattern]).then(({ stdout }) => stdout.trim(), () => '');

describe('the job wrapper with rootless podman', () => {
  let root: string;
  let image: { location: string; digest: string };
  let readsPath: string;
  let runAs: JobSpec['runAs'] = null;
  let jobs = 0;
  const reads = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'narrative-podman-'));
    await chmod(root, 0o711);
    const directory = await buildBusyboxImage(join(root, 'image'), { 'run.sh': TEST_APP });
    image = await buildOciArchive(directory.location, join(root, 'image.oci.tar'));
    readsPath = join(root, 'blob-reads');
    await writeFile(readsPath, reads, { mode: 0o644 });
    if (process.getuid?.() === 0) {
      const id = async (flag: string) => Number((await exec('id', [flag, 'narrative-runner'])).stdout.trim());
      runAs = { uid: await id('-u'), gid: await id('-g'), user: 'narrative-runner' };
    }
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function job(params: Record<string, unknown>, overrides: Partial<JobSpec> = {}) {
    ++jobs;
    const spec = testJobSpec({ jobId: `p${jobs}`, runtime: 'podman', image: { digest: image.digest, format: 'oci-archive', location: image.location }, params, readsPath, reads, runAs }, overrides);
    return writeTestJob(join(root, `job-${jobs}`), spec);
  }


  /** Nothing of the job may be left running: no app (the sleep carrying marker), no conmon/runc/podman naming its directory. */
  async function assertNothingLeft(jobDir: string, marker?: string) {
    if (marker) assert.deepEqual(markedPids(marker), [], 'the app is gone');
    assert.equal(await pgrep(jobDir), '', 'no podman, conmon or runc process of the job is left');
  }

  it('runs the app unprivileged on /in and /out and reports hashed outputs', async () => {
    const jobDir = await job({ mode: 'ok' });
    const { code, result, text } = await runWrapper(jobDir);
    assert.equal(code, 0, text);
    assert.equal(result.outcome, 'exited');
    assert.match(text, /^uid [1-9][0-9]* mode ok$/m, 'not root');
    if (runAs) assert.match(text, new RegExp(`^uid ${runAs.uid} mode ok$`, 'm'));
    assert.deepEqual(result.outputs.find((o) => o.path === 'lines.txt'), { path: 'lines.txt', sha256: createHash('sha256').update('8\n').digest('hex'), size: 2 });
    assert.deepEqual((result.declared as { outputs: { name: string }[] }).outputs.map((o) => o.name), ['stats']);
    assert.equal(result.runtime.name, 'podman');
    assert.match(result.runtime.version, /podman version \d+\.\d+/);
    await assertNothingLeft(jobDir);
  });

  it('gives the app no network: only the loopback interface', async () => {
    const { result, text } = await runWrapper(await job({ mode: 'interfaces' }));
    assert.equal(result.exitCode, 0, text);
    assert.match(text, /^interfaces: lo $/m);
  });

  it('mounts /in read-only and keeps the image read-only; /tmp is private', async () => {
    const { result, text } = await runWrapper(await job({ mode: 'escape' }));
    assert.equal(result.exitCode, 0, text);
    assert.match(text, /^\S+ \/in \S+ ro[,\s]/m, 'the /in bind is a read-only mount');
    assert.doesNotMatch(text, /wrote \/in|wrote \/etc/);
    assert.match(text, /wrote private tmp/);
    await assert.rejects(readFile('/tmp/narrative-escape-test'), 'the host /tmp is untouched');
  });

  it('stops the app at its time limit and leaves no process or container', async () => {
    const marker = newMarker();
    const jobDir = await job({ mode: 'sleep', marker }, { timeLimitSeconds: 2 });
    const { code, result } = await runWrapper(jobDir);
    assert.equal(code, 1);
    assert.equal(result.outcome, 'timed-out');
    await assertNothingLeft(jobDir, marker);
  });

  it('cancels on SIGTERM: the container dies with it, and its storage is released', async () => {
    const marker = newMarker();
    const jobDir = await job({ mode: 'sleep', marker });
    const child = spawn(process.execPath, [WRAPPER, jobDir]);
    for (let i = 0; i < 200 && markedPids(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(markedPids(marker).length, 1, 'the app started');
    // Timed from the signal, not from the start: podman's own start-up is slow on a busy machine.
    const signalled = Date.now();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    const stoppedAfterMs = Date.now() - signalled;
    const { result } = await readJobOutcome(jobDir);
    assert.equal(result.outcome, 'cancelled');
    await assertNothingLeft(jobDir, marker);
    assert.ok(stoppedAfterMs < 5000, `stopped by podman kill, not by waiting out the 5 s grace period (took ${stoppedAfterMs} ms)`);
    // `podman system reset` removed the job's container storage, and the wrapper its state directory (beside the job directory).
    await assert.rejects(readFile(join(jobFolders(jobDir).runtimeDir, 'storage', 'storage.lock')));
  });
});
