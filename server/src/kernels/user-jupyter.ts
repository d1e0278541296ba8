import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir } from 'node:fs/promises';
import { removeOwnedTree } from '@narrative/launcher-native';
import { askJupyter, type JupyterAddress } from './jupyter-http.js';
import type { KernelAccount } from './kernel-accounts.js';
import { serverArgv, serverEnv, serverSocket, userDirs } from './launch.js';
import type { KernelSettings } from './settings.js';

/** One user's Jupyter server, running as that user's uid. */
export interface UserJupyter extends JupyterAddress {
  pid: number;
  /** Resolves once the process has ended, whoever ended it. */
  exited: Promise<void>;
  /** Ends the server (its kernels with it) and removes its directory. */
  stop(): Promise<void>;
}

export interface UserJupyterOptions {
  settings: KernelSettings;
  /** The root-owned settings all users share (launch.ts). */
  shared: string;
  /** This user's directory (run/jupyter/<user id>): made afresh, 0700 and the account's, removed on stop. */
  dir: string;
  account: KernelAccount;
  startTimeoutMs?: number;
}

/** sun_path holds 108 bytes with its NUL; ZeroMQ's ipc:// and Python's bind need the whole path to fit. */
export const SOCKET_PATH_MAX = 107;

/** The longest socket path jupyter_server makes in this user directory (run/kernel-<uuid>-ipc-<n>), in bytes. */
export function longestSocketPath(dir: string): number {
  return Buffer.byteLength(`${userDirs(dir).runtime}/kernel-${'0'.repeat(36)}-ipc-9`);
}

/**
 * Starts the user's jupyter_server on a Unix socket in their private runtime
 * directory, with a random token, and waits until it answers.
 */
export async function startUserJupyter(o: UserJupyterOptions): Promise<UserJupyter> {
  const dirs = userDirs(o.dir);
  if (longestSocketPath(o.dir) > SOCKET_PATH_MAX) throw new Error(`${o.dir} is too long a path for the kernels' Unix sockets`);
  await removeOwnedTree(o.dir);
  // Made while the user's directory is still root's, which it becomes last: until then no process of
  // that uid can swap an entry for a link that root would then chown.
  await mkdir(dirs.root, { mode: 0o700 });
  for (const d of [dirs.home, dirs.tmp, dirs.work, dirs.data, dirs.runtime]) {
    await mkdir(d, { mode: 0o700 });
    await chown(d, o.account.uid, o.account.gid);
  }
  await chown(dirs.root, o.account.uid, o.account.gid);
  const token = randomBytes(24).toString('hex');
  const [command, ...args] = serverArgv(o.settings.python, o.account, o.settings, dirs);
  const child = spawn(command!, args, { cwd: dirs.work, env: serverEnv(o.shared, o.account, dirs, token), stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  // 'close', not 'exit': after a spawn error there is no 'exit', and 'close' comes either way.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let spawnError: Error | null = null;
  child.on('error', (error) => (spawnError = error));
  const address = { socket: serverSocket(dirs), token };
  const stop = async () => {
    await stopChild(child, exited);
    await removeOwnedTree(o.dir);
  };
  try {
    await waitUntilReady(child, address, o.startTimeoutMs ?? 30_000, stderr, () => spawnError);
  } catch (error) {
    // The reason it did not start is the one to report, not a cleanup's.
    await stop().catch(() => undefined);
    throw error;
  }
  return { ...address, pid: child.pid!, exited, stop };
}

async function waitUntilReady(child: ChildProcess, to: JupyterAddress, timeoutMs: number, stderr: string[], spawnError: () => Error | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const lastLines = () => stderr.join('').trim().split('\n').slice(-5).join('\n');
  while (Date.now() < deadline) {
    const failed = spawnError();
    if (failed) throw new Error(`the Jupyter server could not be started: ${failed.message}`);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the Jupyter server exited (${child.exitCode ?? child.signalCode}) at start: ${lastLines()}`);
    const ok = await askJupyter(to, 'GET', '/api/status', { timeoutMs: 5_000 }).then((a) => a.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the Jupyter server did not answer within ${timeoutMs} ms: ${lastLines()}`);
}

/** SIGTERM lets jupyter_server shut its kernels down; SIGKILL after a grace for one that hangs. */
async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}
