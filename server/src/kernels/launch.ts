import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelAccount } from './kernel-accounts.js';
import type { KernelSettings } from './settings.js';

/** The kernelspec every user gets (the lab's default name); the only one a user's server offers. */
export const KERNEL_NAME = 'python3';

/** Where one user's server keeps what, all under that user's private directory. */
export interface UserDirs {
  root: string;
  home: string;
  tmp: string;
  work: string;
  data: string;
  /** Connection files and the kernels' and the server's sockets (short: a socket's whole path must fit in 107 bytes). */
  runtime: string;
}

export function userDirs(root: string): UserDirs {
  return { root, home: join(root, 'home'), tmp: join(root, 'tmp'), work: join(root, 'work'), data: join(root, 'data'), runtime: join(root, 'run') };
}

export function serverSocket(dirs: UserDirs): string {
  return join(dirs.runtime, 'jupyter.sock');
}

/**
 * The command line of one user's Jupyter server: dropped to the user's uid with no
 * groups, dying with this process (even after SIGKILL), under limits every kernel
 * inherits and cannot raise (prlimit sets the hard limit too). The one place this is
 * decided: a container runtime (ch-run) goes in front of `python` when kernels get
 * their image.
 */
export function serverArgv(python: string, account: KernelAccount, settings: Pick<KernelSettings, 'memoryMiB' | 'processes'>, dirs: UserDirs): string[] {
  return [
    'setpriv', '--pdeathsig', 'KILL', '--reuid', String(account.uid), '--regid', String(account.gid), '--clear-groups', '--',
    'prlimit', `--as=${settings.memoryMiB * 1024 * 1024}`, `--nproc=${settings.processes}`, '--',
    python, '-m', 'jupyter_server', `--ServerApp.sock=${serverSocket(dirs)}`, '--ServerApp.sock_mode=0600', `--ServerApp.root_dir=${dirs.work}`,
  ];
}

/** A kernel's own command line, as its kernelspec gives it to jupyter_server. */
export function kernelArgv(python: string): string[] {
  return [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'];
}

/** The environment of one user's server (and so of their kernels): nothing of the platform's own. */
export function serverEnv(shared: string, account: KernelAccount, dirs: UserDirs, token: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8',
    HOME: dirs.home, TMPDIR: dirs.tmp, USER: account.user, LOGNAME: account.user,
    // The token goes in the environment, which only the user's own uid can read; a command line is visible to everyone.
    JUPYTER_TOKEN: token,
    // The shared, root-owned settings: a user's code cannot change what their next kernel runs as or under.
    JUPYTER_CONFIG_DIR: shared, JUPYTER_PATH: shared,
    JUPYTER_DATA_DIR: dirs.data, JUPYTER_RUNTIME_DIR: dirs.runtime, IPYTHONDIR: join(dirs.home, '.ipython'),
  };
}

/**
 * Writes the settings all users' servers share (root-owned, readable, nothing secret):
 * jupyter_server's config and the one kernelspec. JUPYTER_PATH puts this kernelspec
 * before any a user could write into their own data directory, and only it is allowed.
 */
export async function writeSharedConfig(shared: string, settings: KernelSettings): Promise<void> {
  await mkdir(join(shared, 'kernels', KERNEL_NAME), { recursive: true, mode: 0o755 });
  const cullInterval = Math.max(1, Math.min(300, Math.floor(settings.idleSeconds / 2)));
  const config = {
    ServerApp: { open_browser: false, password: '', allow_remote_access: false, terminals_enabled: false },
    // Sockets in the user's 0700 runtime directory instead of TCP ports on 127.0.0.1, which every uid could reach
    // (an iopub port publishes a kernel's output to any subscriber: its messages are signed, not encrypted).
    KernelManager: { transport: 'ipc' },
    MappingKernelManager: { cull_idle_timeout: settings.idleSeconds, cull_interval: cullInterval, cull_connected: false, cull_busy: false },
    KernelSpecManager: { ensure_native_kernel: false, allowed_kernelspecs: [KERNEL_NAME] },
  };
  await writeFile(join(shared, 'jupyter_server_config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
  // Files a user's code writes outside its private directories (/tmp is shared until kernels get a mount namespace)
  // are the user's alone unless they say otherwise. Runs in the server, so every kernel inherits it.
  await writeFile(join(shared, 'jupyter_server_config.py'), '# Written by the narrative server at each start.\nimport os\nos.umask(0o077)\n', { mode: 0o644 });
  const spec = { argv: kernelArgv(settings.python), display_name: 'Python 3 (ipykernel)', language: 'python', metadata: { debugger: true } };
  await writeFile(join(shared, 'kernels', KERNEL_NAME, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o644 });
}
