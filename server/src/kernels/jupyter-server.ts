import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Account } from '../domain/context.js';

/** A Jupyter server child that runs code-cell kernels next to the platform. */
export interface JupyterChild {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Sent as `Authorization: token …`; only this server knows it. */
  token: string;
  stop(): Promise<void>;
}

export interface JupyterOptions {
  /** Debian's interpreter, which has jupyter_server and ipykernel (another python3 may be first on PATH). */
  python: string;
  /** Its config, data, runtime and working directories; removed on stop. */
  dir: string;
  /** The unprivileged account kernels run as when the server runs as root: code cells never run as root. */
  runAs: Account | null;
  startTimeoutMs?: number;
}

/**
 * Starts Debian's jupyter_server on a free local port with a random token,
 * all its state under one directory, and waits until it answers.
 */
export async function startJupyterServer(o: JupyterOptions): Promise<JupyterChild> {
  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  const dirs = { home: join(o.dir, 'home'), work: join(o.dir, 'work'), config: join(o.dir, 'config'), data: join(o.dir, 'data'), runtime: join(o.dir, 'runtime') };
  for (const d of Object.values(dirs)) {
    await mkdir(d, { recursive: true, mode: 0o700 });
    if (o.runAs) await chown(d, o.runAs.uid, o.runAs.gid);
  }
  if (o.runAs) await chown(o.dir, o.runAs.uid, o.runAs.gid);
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dirs.home, LANG: 'C.UTF-8', ...(o.runAs ? { USER: o.runAs.user } : {}),
    // The token goes in the environment, which only the child's own account can read; a command line is visible to everyone.
    JUPYTER_TOKEN: token,
    JUPYTER_CONFIG_DIR: dirs.config, JUPYTER_DATA_DIR: dirs.data, JUPYTER_RUNTIME_DIR: dirs.runtime, IPYTHONDIR: join(dirs.home, '.ipython'),
  };
  // setpriv: the child dies with this process (even after SIGKILL) and drops to the service account before Python starts.
  const drop = o.runAs ? ['--reuid', String(o.runAs.uid), '--regid', String(o.runAs.gid), '--clear-groups'] : [];
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', ...drop, '--', o.python,
    '-m', 'jupyter_server', '--no-browser', '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, '--ServerApp.port_retries=0',
    '--ServerApp.password=', `--ServerApp.root_dir=${dirs.work}`,
  ], { cwd: dirs.work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const url = `http://127.0.0.1:${port}`;
  let spawnError: Error | null = null;
  child.once('error', (error) => (spawnError = error));
  try {
    await waitUntilReady(child, url, token, o.startTimeoutMs ?? 30_000, stderr, () => spawnError);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(o.dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    token,
    async stop() {
      await stopChild(child);
      await rm(o.dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilReady(child: ChildProcess, url: string, token: string, timeoutMs: number, stderr: string[], spawnError: () => Error | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    const failed = spawnError();
    if (failed) throw new Error(`the Jupyter server could not be started: ${failed.message}`);
    if (exited !== null) throw new Error(`the Jupyter server exited (${exited}) at start: ${stderr.join('').trim().split('\n').slice(-5).join('\n')}`);
    const ok = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`the Jupyter server did not answer within ${timeoutMs} ms: ${stderr.join('').trim().split('\n').slice(-5).join('\n')}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
