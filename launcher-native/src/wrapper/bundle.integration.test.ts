import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildBusyboxImage } from '../images/busybox-image.js';
import { linkArrayTask, TASK_INDEX_VARIABLE } from '../job-dir/layout.js';
import type { JobSpec } from '../job-dir/job-spec.js';
import type { JobResult } from '../job-dir/result.js';
import { readJobOutcome, TEST_APP, testJobSpec, WRAPPER, writeTestJob } from '../local/test-job.js';

/** The one-file wrapper the set-up bundles from WRAPPER (launcher-native/scripts/bundle-wrapper.mjs). */
const BUNDLE = fileURLToPath(new URL('./bundle.mjs', import.meta.url));
const BUNDLE_SCRIPT = fileURLToPath(new URL('../../scripts/bundle-wrapper.mjs', import.meta.url));

/** Runs one wrapper file as a scheduler does, `node <file> [jobDir]`, to its end. */
async function runFile(file: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [file, ...args], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stderr };
}

/** Text without process ids (ch-run[1234]: ...), which differ between two runs of one job. */
const withoutPids = (text: string) => text.replace(/\[\d+\]/g, '[pid]');

/** A result without what differs between two runs of one job: its times, measurements (their presence stays) and pids. */
function comparable(result: JobResult) {
  const { startedAt, endedAt, usage, memory, detail, ...rest } = result;
  assert.ok(startedAt && endedAt);
  return { ...rest, detail: detail && withoutPids(detail), usage: usage && Object.keys(usage).sort(), memory: memory && { ...memory, peakMiB: typeof memory.peakMiB } };
}

describe('the bundled job wrapper', () => {
  let root: string;
  let image: { location: string; digest: string };
  let readsPath: string;
  let jobs = 0;
  const reads = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';
  const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, user: 'nobody' } : null;

  before(async () => {
    // As the set-up does: a no-op when the bundle was already made from the compiled wrapper as it is.
    execFileSync(process.execPath, [BUNDLE_SCRIPT], { stdio: 'inherit' });
    root = await mkdtemp(join(tmpdir(), 'narrative-bundle-'));
    await chmod(root, 0o711);
    image = await buildBusyboxImage(join(root, 'image'), { 'run.sh': TEST_APP });
    readsPath = join(root, 'blob-reads');
    await writeFile(readsPath, reads, { mode: 0o644 });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** The same job (same id and spec) in a fresh directory: one for each wrapper file. */
  function spec(params: Record<string, unknown>, overrides: Partial<JobSpec> = {}): JobSpec {
    const busybox = { digest: image.digest, format: 'directory' as const, location: image.location };
    return testJobSpec({ jobId: 'same', runtime: 'charliecloud', image: busybox, params, readsPath, reads, runAs }, overrides);
  }

  /** Runs the job under main.js and under the bundle, each on its own copy, and returns both outcomes. */
  async function both(jobSpec: JobSpec, env: Record<string, string> = {}) {
    const runs = [];
    for (const file of [WRAPPER, BUNDLE]) {
      const jobDir = await writeTestJob(join(root, `job-${++jobs}`), jobSpec);
      const { code, stderr } = await runFile(file, [jobDir], env);
      runs.push({ code, stderr, ...(await readJobOutcome(jobDir)) });
    }
    const [compiled, bundled] = runs as [(typeof runs)[0], (typeof runs)[0]];
    assert.equal(bundled.code, compiled.code, 'the same exit code');
    assert.deepEqual(comparable(bundled.result), comparable(compiled.result));
    const lines = (log: typeof bundled.log) => log.map((l) => [l.stream, withoutPids(l.text)]);
    assert.deepEqual(lines(bundled.log), lines(compiled.log));
    return bundled;
  }

  it('is one file, made from the compiled wrapper as it is now', () => {
    const record = JSON.parse(readFileSync(join(BUNDLE, '..', 'bundle.inputs.json'), 'utf8')) as { inputs: Record<string, string> };
    assert.ok(record.inputs['main.js'] && record.inputs['wrap.js'] && record.inputs['version.js'], 'the wrapper\'s own modules are in it');
    assert.ok(Object.keys(record.inputs).some((file) => file.includes('@sinclair/typebox/')), 'and the schema library, which is most of its modules');
    assert.ok(!Object.keys(record.inputs).some((file) => file.includes('/dockerode/')), 'the Docker client stays in node_modules');
  });

  it('says how it is used, as main.js does, when given no job directory', async () => {
    const [compiled, bundled] = [await runFile(WRAPPER, []), await runFile(BUNDLE, [])];
    assert.equal(compiled.code, 2);
    assert.deepEqual(bundled, compiled);
  });

  it('runs an app on /in and /out to the same result, outputs, version and log', async () => {
    const run = await both(spec({ mode: 'ok' }));
    assert.equal(run.code, 0);
    assert.equal(run.result.outcome, 'exited');
    assert.deepEqual(run.result.outputs.find((o) => o.path === 'lines.txt')?.size, 2);
    // version.js reads the package's version beside it, through import.meta.url, in the bundle too.
    assert.equal(run.result.wrapper?.version, (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
    assert.match(run.text, /^uid \d+ mode ok$/m);
  });

  it('mirrors a failing app\'s exit code and stderr alike', async () => {
    const run = await both(spec({ mode: 'fail' }));
    assert.equal(run.code, 3);
    assert.equal(run.result.exitCode, 3);
    assert.match(run.text, /something broke/);
  });

  it('refuses alike an input that is not the file the job names', async () => {
    const job = spec({ mode: 'ok' });
    const wrongHash = job.inputs.map((input) => ('files' in input ? { ...input, files: input.files.map((file) => ({ ...file, sha256: '0'.repeat(64) })) } : input));
    const run = await both({ ...job, inputs: wrongHash });
    assert.equal(run.code, 1);
    assert.equal(run.result.outcome, 'launcher-error');
    assert.match(run.result.detail ?? '', /sha256|hash|changed/i);
  });

  it('reports alike an image the runtime cannot find', async () => {
    const run = await both(spec({ mode: 'ok' }, { image: { digest: image.digest, format: 'directory', location: join(root, 'no-such-image') } }));
    assert.notEqual(run.code, 0);
    assert.match(run.text, /no-such-image/);
  });

  it('runs each task of an array on its own job\'s directory', async () => {
    for (const file of [WRAPPER, BUNDLE]) {
      const arrayDir = join(root, `array-${++jobs}`);
      await mkdir(arrayDir);
      const modes = ['ok', 'fail'];
      const dirs = await Promise.all(modes.map((mode, index) => writeTestJob(join(root, `task-${jobs}-${index}`), spec({ mode }, { jobId: `task-${index}` }))));
      for (const [index, dir] of dirs.entries()) await linkArrayTask(arrayDir, index, dir);
      for (const [index, dir] of dirs.entries()) {
        const { code } = await runFile(file, [arrayDir], { [TASK_INDEX_VARIABLE]: String(index) });
        const { result, text } = await readJobOutcome(dir);
        assert.equal(result.jobId, `task-${index}`, file);
        assert.equal(code, index === 0 ? 0 : 3, file);
        assert.match(text, new RegExp(`mode ${modes[index]}$`, 'm'), file);
      }
    }
  });

  it('loads the Docker client when a Docker engine runs the job, and reports an engine it cannot reach alike', async () => {
    const socket = join(root, 'no-engine.sock');
    const engineJob = spec({ mode: 'ok' }, { runtime: 'docker', image: { digest: image.digest, format: 'docker-image', location: 'narrative/test:1' } });
    const run = await both(engineJob, { NARRATIVE_ENGINE_SOCKET: socket, NARRATIVE_ENGINE_CONTAINER: 'narrative-bundle-test' });
    assert.equal(run.result.outcome, 'launcher-error');
    // dockerode's own connection error: the client was loaded and tried the socket.
    assert.equal(run.result.detail, `connect ENOENT ${socket}`);
  });
});
