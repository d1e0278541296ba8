import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WITHOUT_NETWORK } from '@narrative/launcher-native';
import type { KernelAccount } from './kernel-accounts.js';
import { PYTHON_CLIENT_DIR } from './python-client.js';
import { HOST_KERNEL_NAME, hostKernelspec, newestOffered, type KernelImage } from './kernel-images.js';
import type { KernelNetwork, KernelSettings } from './settings.js';
import { STARTER, STARTER_FILE } from './starter.js';

/**
 * Where a kernel in an image finds what is bound into it: directories every
 * Debian image has (ch-run 0.31 cannot make a bind target in a read-only
 * image, so the user's directories cannot keep their host paths there).
 * HOME is ch-run's --home, /home/$USER.
 */
export const IN_IMAGE = { run: '/run', tmp: '/tmp', client: '/mnt' } as const;
/** The file the users' servers read their kernelspecs' names from, at every request (jupyter_server_config.py). */
const ALLOWED_FILE = 'kernelspecs.json';

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
 * decided. The server itself stays on the host's python (it is the user's, under
 * their uid and limits); each kernel of an image runs in it (imageKernelArgv).
 */
export function serverArgv(python: string, account: KernelAccount, settings: Pick<KernelSettings, 'memoryMiB' | 'processes'>, dirs: UserDirs): string[] {
  return [
    'setpriv', '--pdeathsig', 'KILL', '--reuid', String(account.uid), '--regid', String(account.gid), '--clear-groups', '--',
    'prlimit', `--as=${settings.memoryMiB * 1024 * 1024}`, `--nproc=${settings.processes}`, '--',
    python, '-m', 'jupyter_server', `--ServerApp.sock=${serverSocket(dirs)}`, '--ServerApp.sock_mode=0600', `--ServerApp.root_dir=${dirs.work}`,
  ];
}

/** The host's kernel (the fallback while no image is ready): Debian's python, as the user's server runs it. */
export function kernelArgv(python: string): string[] {
  return [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'];
}

/**
 * A kernel in its image: the starter (./starter.ts) fills in the user's paths
 * and execs, without a network of its own unless the operator allows one
 * (`unshare --net`: only a downed loopback; the kernel's Jupyter sockets are
 * files in the run directory, which a network namespace does not touch), ch-run
 * as the user's uid (unprivileged user namespaces), the image read-only, the
 * user's run directory (connection file, ipc sockets) at /run, their tmp at /tmp
 * (a private /tmp: ch-run's own is a tmpfs beneath), their home at /home/$USER,
 * the server's Python client read-only (by permissions: root's files) at /mnt.
 * The environment is the user's server's (serverEnv: nothing of the platform's),
 * less its host paths.
 */
export function imageKernelArgv(python: string, shared: string, image: { digest: string; rootfs: string }, o: { network: KernelNetwork; client: string | null }): string[] {
  return [
    python, join(shared, STARTER_FILE), '{connection_file}', image.rootfs, image.digest, IN_IMAGE.run, '--',
    ...(o.network === 'none' ? WITHOUT_NETWORK : []),
    'ch-run', '--private-tmp', '--home',
    '-b', `@RUN@:${IN_IMAGE.run}`, '-b', `@TMP@:${IN_IMAGE.tmp}`, ...(o.client ? ['-b', `${o.client}:${IN_IMAGE.client}`] : []),
    '-c', '/home/@USER@',
    '--unset-env=JUPYTER_*', '--unset-env=IPYTHONDIR', '--unset-env=PYTHONPATH', '--set-env=PATH=/usr/local/bin:/usr/bin:/bin', `--set-env=TMPDIR=${IN_IMAGE.tmp}`,
    `--set-env=NARRATIVE_KERNEL_IMAGE=${image.digest}`, ...(o.client ? [`--set-env=PYTHONPATH=${IN_IMAGE.client}`] : []),
    image.rootfs, '--',
    'python3', '-m', 'ipykernel_launcher', '-f', `${IN_IMAGE.run}/@CONNECTION_FILE_NAME@`,
  ];
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
    JUPYTER_DATA_DIR: dirs.data, JUPYTER_RUNTIME_DIR: dirs.runtime, IPYTHONDIR: join(dirs.home, '.ipython'), PYTHONPATH: PYTHON_CLIENT_DIR,
  };
}

/**
 * Writes the settings all users' servers share (root-owned, readable, nothing
 * secret): jupyter_server's config, the starter, and (writeKernelspecs) the
 * kernelspecs. A user's server finds kernelspecs only in the shared directory,
 * and only those kernelspecs.json names, read afresh at each request: an image
 * offered while a user's server runs is in their kernel picker at once, and a
 * kernelspec a user writes (in their data or IPython directory) is never found.
 */
export async function writeSharedConfig(shared: string, settings: KernelSettings): Promise<void> {
  await mkdir(join(shared, 'kernels'), { recursive: true, mode: 0o755 });
  const cullInterval = Math.max(1, Math.min(300, Math.floor(settings.idleSeconds / 2)));
  const config = {
    ServerApp: { open_browser: false, password: '', allow_remote_access: false, terminals_enabled: false },
    // Sockets in the user's 0700 runtime directory instead of TCP ports on 127.0.0.1, which every uid could reach
    // (an iopub port publishes a kernel's output to any subscriber: its messages are signed, not encrypted).
    KernelManager: { transport: 'ipc' },
    MappingKernelManager: { cull_idle_timeout: settings.idleSeconds, cull_interval: cullInterval, cull_connected: false, cull_busy: false },
    KernelSpecManager: { ensure_native_kernel: false },
  };
  await writeFile(join(shared, 'jupyter_server_config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
  await writeFile(join(shared, 'jupyter_server_config.py'), serverConfigPy(join(shared, 'kernels'), join(shared, ALLOWED_FILE)), { mode: 0o644 });
  await writeFile(join(shared, STARTER_FILE), STARTER, { mode: 0o644 });
}

/**
 * Runs in each user's server at its start. The umask: files a user's code writes
 * are the user's alone unless they say otherwise. The kernelspec manager: only
 * the shared kernelspecs, and of those only the ones kernelspecs.json names
 * (allowed_kernelspecs, refreshed at each request, is checked when a kernel
 * starts too, which jupyter_client alone does not do).
 */
function serverConfigPy(kernels: string, allowed: string): string {
  return `# Written by the narrative server at each start (server/src/kernels/launch.ts).
import json, os
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

os.umask(0o077)


class NarrativeKernelSpecManager(KernelSpecManager):
    def _kernel_dirs_default(self):
        return [${JSON.stringify(kernels)}]

    def _refresh(self):
        with open(${JSON.stringify(allowed)}) as f:
            offered = json.load(f)
        self.allowed_kernelspecs = set(offered['kernelspecs'])
        manager = getattr(self.parent, 'kernel_manager', None)
        if manager is not None:
            manager.default_kernel_name = offered['default']

    def find_kernel_specs(self):
        self._refresh()
        return {name: path for name, path in super().find_kernel_specs().items() if name in self.allowed_kernelspecs}

    def get_kernel_spec(self, kernel_name):
        self._refresh()
        if kernel_name not in self.allowed_kernelspecs:
            raise NoSuchKernel(kernel_name)
        return super().get_kernel_spec(kernel_name)


c.ServerApp.kernel_spec_manager_class = NarrativeKernelSpecManager
`;
}

/** One kernelspec as jupyter_server reads it from kernels/<name>/kernel.json. */
interface Kernelspec {
  argv: string[];
  display_name: string;
  language: 'python';
  metadata: Record<string, unknown>;
}

/**
 * The kernelspecs for the kernel images now: one per image, named by its digest
 * (withdrawn ones too, for the narratives pinned to them; one no longer stored
 * starts the kernel that says so), and the host's python only while no image is
 * ready. `usable` says whether this server can run an image (ch-run works, the
 * uids can read its directory).
 */
export function kernelspecsFor(shared: string, settings: KernelSettings, images: readonly KernelImage[], o: { client: string | null; usable: (image: KernelImage) => boolean }): { specs: Map<string, Kernelspec>; default: string } {
  const specs = new Map<string, Kernelspec>();
  const runnable = images.filter((i) => i.rootfs === null || o.usable(i));
  for (const image of runnable) {
    const argv = imageKernelArgv(settings.python, shared, { digest: image.digest, rootfs: image.rootfs ?? '' }, { network: settings.network, client: o.client });
    // The debugger listens on 127.0.0.1, which an image without network does not have up.
    specs.set(image.kernelspec, { argv, display_name: image.displayName, language: 'python', metadata: { debugger: settings.network === 'host', narrative: { image: image.digest } } });
  }
  const newest = newestOffered(runnable);
  if (!newest) specs.set(HOST_KERNEL_NAME, { argv: kernelArgv(settings.python), display_name: hostKernelspec().display_name, language: 'python', metadata: { debugger: true } });
  return { specs, default: newest?.kernelspec ?? HOST_KERNEL_NAME };
}

/** Writes the kernelspecs (and removes those no longer wanted), then the list a user's server reads them by. */
export async function writeKernelspecs(shared: string, wanted: { specs: Map<string, Kernelspec>; default: string }): Promise<void> {
  const kernels = join(shared, 'kernels');
  for (const [name, spec] of wanted.specs) {
    await mkdir(join(kernels, name), { recursive: true, mode: 0o755 });
    await writeAtomically(join(kernels, name, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  }
  await writeAtomically(join(shared, ALLOWED_FILE), `${JSON.stringify({ kernelspecs: [...wanted.specs.keys()], default: wanted.default })}\n`);
  for (const name of await readdir(kernels)) if (!wanted.specs.has(name)) await rm(join(kernels, name), { recursive: true, force: true });
}

/** A user's server reads these while they change: it sees the old file or the new one, never half of one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.new`, text, { mode: 0o644 });
  await rename(`${file}.new`, file);
}
