#!/usr/bin/env node
// One idempotent set-up step for `npm start`, `npm test` and `npm run setup`.
// Plain Node with no dependencies: it runs on a fresh clone before `npm ci`.
// Each step checks first and does nothing when its work is already done.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

// Debian packages the platform and its tests use, with what each is for.
const debianPackages = [
  ['python3-nbformat', 'validates saved narratives as nbformat 4 notebooks (tests)'],
  ['python3-prov', 'reads the W3C PROV-JSON export back and writes it again, checking it round-trips (tests)'],
  ['python3-jupyter-server', 'the Jupyter server child that runs code-cell kernels behind the kernel proxy'],
  ['python3-ipykernel', 'the Python kernel of code cells'],
  ['munge', 'authenticates daemons and commands of the local Slurm cluster (narrative cluster up, tests)'],
  ['slurmctld', 'controller of the local Slurm cluster (narrative cluster up, tests)'],
  ['slurmd', 'node daemons of the local Slurm cluster (narrative cluster up, tests)'],
  ['slurm-client', 'sbatch, squeue, scancel, sinfo: the Slurm scheduler backend and its tests'],
  ['charliecloud-runtime', 'ch-run: the default rootless container runtime on nodes'],
  ['busybox-static', 'the minimal directory image of the runtime and wrapper tests'],
  ['squashfs-tools', 'mksquashfs: SquashFS images for ch-run'],
  ['mmdebstrap', 'reproducible Debian app images (narrative app build)'],
  ['chromium', 'the browser the JupyterLab end-to-end tests drive (playwright-core)'],
  ['docker.io', 'dockerd for the docker scheduler backend and its tests (a private engine: no bridge, no iptables)'],
  ['podman', 'the rootless podman runtime on nodes and its tests'],
  ['runc', "podman's OCI runtime (crun, its default, fails on hosts with hybrid cgroups)"],
  ['postgresql', 'PostgreSQL, the store of a scaled-out deployment; the tests start throwaway servers of it (initdb, postgres)'],
  ['nginx', 'the load balancer in front of server replicas (narrative deploy nginx-conf; the replica tests)'],
  ['uidmap', 'newuidmap/newgidmap: the subuid/subgid ranges rootless podman maps into its user namespace'],
];

function log(message) {
  process.stdout.write(`[setup] ${message}\n`);
}

function run(argv, options = {}) {
  const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    throw new Error(`setup step failed (exit ${result.status}): ${argv.join(' ')}`);
  }
}

function isInstalled(pkg) {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] });
    return status.toString().includes('install ok installed');
  } catch {
    return false;
  }
}

function ensureDebianPackages() {
  if (!existsSync('/usr/bin/dpkg-query')) {
    log('not a Debian system: skipping Debian packages; install these yourself: ' + debianPackages.map(([p]) => p).join(' '));
    return;
  }
  const missing = debianPackages.filter(([pkg]) => !isInstalled(pkg));
  if (missing.length === 0) return;
  for (const [pkg, why] of missing) log(`installing ${pkg}: ${why}`);
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run([...asRoot, 'apt-get', 'update', '-qq'], { env });
  run([...asRoot, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing.map(([p]) => p)], { env });
}

// Apps never run as root: when jobs start as root, the wrapper runs containers as this account.
const SERVICE_ACCOUNT = 'narrative-runner';

function ensureServiceAccount() {
  if (process.getuid?.() !== 0) return;
  // Code-cell kernels need no account: each user's run under a uid of their own (server/src/kernels).
  if (spawnSync('id', ['-u', SERVICE_ACCOUNT], { stdio: 'ignore' }).status !== 0) {
    log(`creating the unprivileged account ${SERVICE_ACCOUNT} that apps run as`);
    run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_ACCOUNT]);
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) ensureSubordinateRange(file, SERVICE_ACCOUNT);
}

// Rootless podman maps a range of subordinate ids into the account's user namespace (image files
// owned by other users than root). useradd --system gives none: add 65536 ids past every range in use.
const SUBORDINATE_IDS = 65536;

function ensureSubordinateRange(file, account) {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '') : [];
  if (lines.some((line) => line.split(':')[0] === account)) return;
  const end = lines.reduce((max, line) => {
    const [, start, count] = line.split(':').map(Number);
    return Number.isFinite(start) && Number.isFinite(count) ? Math.max(max, start + count) : max;
  }, 100000);
  log(`giving ${account} the subordinate ids ${end}-${end + SUBORDINATE_IDS - 1} in ${file} (rootless podman)`);
  writeFileSync(file, [...lines, `${account}:${end}:${SUBORDINATE_IDS}`].join('\n') + '\n', { mode: 0o644 });
}

// ch-run mounts SquashFS images with FUSE as the unprivileged account. Debian's udev makes /dev/fuse 0666;
// machines started without udev (containers, this machine kind) leave it 0600, which only root can open.
function ensureFuseAccess() {
  if (process.getuid?.() !== 0 || !existsSync('/dev/fuse')) return;
  if ((statSync('/dev/fuse').mode & 0o666) === 0o666) return;
  log('making /dev/fuse usable by unprivileged users, as udev does on Debian (SquashFS images)');
  chmodSync('/dev/fuse', 0o666);
}

function ensureNpmDependencies() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.narrative-lock-sha256');
  const lockHash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return;
  log('installing npm dependencies (npm ci)');
  run(['npm', 'ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, lockHash);
}

function build() {
  // tsc -b is incremental: it only rebuilds projects whose sources changed.
  run([process.execPath, join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  // The job wrapper as one file, which starts in half the time; it does nothing while its record of inputs holds.
  run([process.execPath, join(root, 'launcher-native', 'scripts', 'bundle-wrapper.mjs')]);
}

/** Every file under the lab's sources, hashed with the lock file: a change rebuilds the bundle (about 10 s). */
function labSourceHash() {
  const lab = join(root, 'labextension');
  const hash = createHash('sha256').update(readFileSync(join(root, 'package-lock.json')));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(`${path.slice(lab.length)}\n`).update(readFileSync(path));
    }
  };
  for (const part of ['app', 'src', 'schema', 'style', 'scripts']) if (existsSync(join(lab, part))) walk(join(lab, part));
  for (const file of ['package.json', 'rspack.config.mjs', 'tsconfig.json', 'tsconfig.lib.json', 'tsconfig.test.json']) hash.update(readFileSync(join(lab, file)));
  return hash.digest('hex');
}

function buildLab() {
  const stamp = join(root, 'labextension', 'dist', 'lab', '.source-sha256');
  const sources = labSourceHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === sources) return;
  log('building the JupyterLab app (labextension)');
  run(['npm', 'run', 'build', '--workspace', 'labextension']);
  writeFileSync(stamp, sources);
}

try {
  ensureDebianPackages();
  ensureServiceAccount();
  ensureFuseAccess();
  ensureNpmDependencies();
  build();
  buildLab();
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  process.stderr.write(`[setup] ${error.message}\n`);
  process.exit(1);
}
