import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hasResult } from '@narrative/launcher-native';
import { loadConfig, startServer } from '@narrative/server';
import { needsRoot } from '../support/prerequisites.js';
import { ServerProcesses, kill9 } from '../support/server-process.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/**
 * A start that fails starts nothing (no reconcile pass, no Jupyter child)
 * and exits non-zero; one server per data directory; the Jupyter child's
 * directory lives in the data directory and what a crash left is cleared.
 */
const CLI = fileURLToPath(new URL('../../../server/dist/cli/main.js', import.meta.url));
const servers = new ServerProcesses();
after(() => servers.cleanup());

/** A port this test holds open, so that a server asked to listen on it cannot. */
async function occupiedPort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  return { port: typeof address === 'object' && address ? address.port : 0, release: () => new Promise((r) => holder.close(() => r())) };
}

/**
 * Runs `narrative --json serve` until it exits, or until it prints where it
 * serves (then it is killed: `served` says so). The wait is bounded so that a
 * server that neither exits nor serves fails the test rather than hanging it.
 */
async function serveOnce(home: string, port: number, env: Record<string, string>): Promise<{ code: number | null; served: boolean; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [CLI, '--json', 'serve', '--port', String(port)], {
    env: { ...process.env, NARRATIVE_HOME: home, NARRATIVE_LOG_LEVEL: 'silent', NARRATIVE_KERNELS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const served = new Promise<'served'>((resolve) => proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()).includes('"url"') && resolve('served')));
  const bound = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
  const first = await Promise.race([exited, served, bound]);
  if (first === 'served' || first === 'hung') await kill9(proc);
  return { code: typeof first === 'number' ? first : null, served: first === 'served', stdout, stderr };
}

/**
 * A data directory whose job finished while no server ran: its wrapper wrote
 * result.json, and the database still holds the job as submitted. The first
 * server never reconciles (its first pass would come after ten minutes).
 */
async function jobFinishedWhileDown(env: Record<string, string>) {
  const home = await servers.newHome('narrative-startup-');
  const server = await servers.serve(home, { ...env, NARRATIVE_RECONCILE_MS: '600000' });
  const app = await buildTestApp();
  await server.client.registerApp(app);
  const ws = (await server.client.createWorkspace('startup')).id;
  const reads = await uploadReads(server.client, ws, '@r\nACGT\n+\nIIII\n');
  const job = await server.client.run({ app: app.id, ws: String(ws), inputs: { reads }, params: { mode: 'ok' } });
  const events = (await server.client.jobEvents(job.id)).length;
  await kill9(server.proc);
  const jobDir = join(home, 'jobs', String(job.id));
  for (let i = 0; i < 600 && !(await hasResult(jobDir)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await hasResult(jobDir), 'the wrapper wrote its result');
  return { home, id: job.id, state: job.state, events };
}

/** The job as the database holds it, read by a server that runs no apps (so reconciles nothing). */
async function jobAsStored(home: string, id: number) {
  const reader = await servers.serve(home, { NARRATIVE_SCHEDULER: 'none' });
  try {
    return { state: (await reader.client.job(id)).state, events: (await reader.client.jobEvents(id)).length };
  } finally {
    await kill9(reader.proc);
  }
}

describe('a serve that cannot bind its port', () => {
  const refusedAndUntouched = async (env: Record<string, string>) => {
    const before = await jobFinishedWhileDown(env);
    const busy = await occupiedPort();
    try {
      const run = await serveOnce(before.home, busy.port, { ...env, NARRATIVE_RECONCILE_MS: '100' });
      assert.equal(run.served, false, run.stdout);
      assert.notEqual(run.code, null, `still running after 30 s: ${run.stderr}`);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy.port}: the address is already in use`));
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { error: { title: string } }).error.title, 'Cannot serve');
    } finally {
      await busy.release();
    }
    assert.deepEqual(await jobAsStored(before.home, before.id), { state: before.state, events: before.events });
  };

  it('exits non-zero at once and reconciles nothing (local scheduler)', () => refusedAndUntouched({}));

  it('exits non-zero at once and reconciles nothing (Slurm)', async () => {
    const { cluster, stop } = await startCluster();
    try {
      const slurm = slurmExecution(cluster).execution!.slurm;
      await refusedAndUntouched({ NARRATIVE_SCHEDULER: 'slurm', SLURM_CONF: slurm.conf!, NARRATIVE_SLURM_PARTITION: slurm.partition!, NARRATIVE_SLURM_JOBCOMP_LOG: slurm.jobcompLog! });
    } finally {
      await stop();
    }
  });
});

describe('one server per data directory', () => {
  it('refuses a second server in the same process, and takes the directory once the first closed', async () => {
    const home = await mkdtemp(join(tmpdir(), 'narrative-startup-'));
    const config = loadConfig({ home, port: 0, logLevel: 'silent', kernels: { enabled: false, python: '/usr/bin/python3' } });
    try {
      const first = await startServer(config);
      await assert.rejects(startServer(config), /data directory .* is in use by another narrative server/);
      assert.equal((await fetch(`${first.url}/api/v1/health`)).status, 200);
      await first.close();
      const next = await startServer(config);
      await next.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses a second `narrative serve`; after kill -9 of the first, a new one starts', async () => {
    const home = await servers.newHome('narrative-startup-');
    const first = await servers.serve(home);
    const second = await serveOnce(home, 0, {});
    assert.equal(second.served, false, second.stdout);
    assert.notEqual(second.code, null);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /is in use by another narrative server/);
    assert.equal((await first.client.me()).name, 'admin');
    await kill9(first.proc);
    const next = await servers.serve(home);
    assert.equal((await next.client.me()).name, 'admin');
  });
});

describe("the Jupyter child's directory", () => {
  it('what a crashed run left is cleared at start (code cells off)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'narrative-startup-'));
    try {
      await mkdir(join(home, 'run', 'jupyter', 'runtime'), { recursive: true });
      await writeFile(join(home, 'run', 'jupyter', 'runtime', 'jupyter_cookie_secret'), 'secret of a crashed run');
      const server = await startServer(loadConfig({ home, port: 0, logLevel: 'silent', kernels: { enabled: false, python: '/usr/bin/python3' } }));
      await server.close();
      await assert.rejects(access(join(home, 'run', 'jupyter')));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('is in the data directory, not the system temp directory, and a kill -9 leftover goes at the next start', { skip: needsRoot('kernels start only under root') }, async () => {
    const home = await servers.newHome('narrative-startup-');
    // The server's own temp directory: only what this server creates can appear there.
    const temp = await servers.newHome('narrative-startup-tmp-');
    const env = { NARRATIVE_KERNELS: 'on', TMPDIR: temp };
    const first = await servers.serve(home, env);
    const dir = join(home, 'run', 'jupyter');
    assert.equal((await stat(dir)).mode & 0o777, 0o711);
    await kill9(first.proc);
    await writeFile(join(dir, 'left-by-the-killed-run'), '');
    const next = await servers.serve(home, env);
    await assert.rejects(access(join(dir, 'left-by-the-killed-run')));
    assert.equal((await stat(dir)).mode & 0o777, 0o711);
    assert.deepEqual((await readdir(temp)).filter((name) => name.startsWith('narrative-jupyter-')), []);
    await kill9(next.proc);
  });
});
