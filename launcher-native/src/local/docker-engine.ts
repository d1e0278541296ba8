import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { descendantsOf, isRunning, isSameProcess, listProcesses } from '../processes/process-table.js';
import { sleep, spawnDaemon, terminate, waitGone, type DaemonRecord } from './daemon-processes.js';

/**
 * A private Docker engine (Debian's docker.io) with all of its state under one
 * directory, for tests and workstation demos: its own data root, exec root,
 * pid file and Unix socket, so it never touches (or is touched by) a system
 * engine. It creates no bridge and no iptables rules: jobs get network none.
 */
export interface EngineOptions {
  dir: string;
}

export interface EngineInfo {
  /** The engine's API socket (give it to dockerode as socketPath). */
  socket: string;
  pid: number;
}

const START_TIMEOUT_MS = 30_000;
/** dockerd itself stops containers at shutdown (see --shutdown-timeout); this covers that and its own exit. */
const STOP_GRACE_MS = 20_000;
/** Unix socket paths are limited to 108 bytes; containerd's socket is the deepest under dir. */
const LONGEST_SUFFIX = '/exec/containerd/containerd.sock'.length;
/** dockerd finds containerd, runc and the shim on PATH; a service's PATH may lack the sbin directories. */
const DAEMON_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const run = promisify(execFile);

function layout(dir: string) {
  return {
    dir,
    data: join(dir, 'data'),
    exec: join(dir, 'exec'),
    socket: join(dir, 'docker.sock'),
    pidFile: join(dir, 'dockerd.pid'),
    config: join(dir, 'daemon.json'),
    log: join(dir, 'dockerd.log'),
    state: join(dir, 'engine.json'),
  };
}

/** Starts dockerd under dir and resolves once it answers; an engine already up there is returned as is. */
export async function engineUp(options: EngineOptions): Promise<EngineInfo> {
  const l = layout(resolve(options.dir));
  if (l.dir.length + LONGEST_SUFFIX > 107) throw new Error(`engine directory path too long for Unix sockets (keep it under ${107 - LONGEST_SUFFIX} characters): ${l.dir}`);
  const existing = readRecord(l.state);
  if (existing && isSameProcess(existing) && (await ping(l.socket))) return { socket: l.socket, pid: existing.pid };
  if (existing) await engineDown(l.dir); // half up or left over from a crash: start clean
  mkdirSync(l.dir, { recursive: true, mode: 0o700 });
  // An empty configuration file of our own: /etc/docker/daemon.json is the system engine's, not ours.
  writeFileSync(l.config, '{}\n');
  const argv = [
    'dockerd',
    `--data-root=${l.data}`,
    `--exec-root=${l.exec}`,
    `--pidfile=${l.pidFile}`,
    `--host=unix://${l.socket}`,
    `--config-file=${l.config}`,
    // No docker0 bridge, no NAT and no firewall rules: nothing of the host's network changes, and
    // containers can only have network none (the docker scheduler refuses jobs that ask for more).
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--ip-forward=false',
    // The socket is root's alone: membership of the `docker` group would be root on this machine.
    '--group=root',
    // A container still running at shutdown belongs to a job being abandoned: do not wait 10 s per container.
    '--shutdown-timeout=2',
  ];
  const record = spawnDaemon('dockerd', argv, { PATH: DAEMON_PATH }, l.log);
  writeFileSync(l.state, JSON.stringify(record, null, 2));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(l.socket))) {
    if (!isRunning(record.pid)) throw new Error(`dockerd exited while starting; its log (${l.log}) ends with:\n${tail(l.log)}`);
    if (Date.now() > deadline) {
      await engineDown(l.dir);
      throw new Error(`dockerd did not answer within ${START_TIMEOUT_MS / 1000} s; its log (${l.log}) ends with:\n${tail(l.log)}`);
    }
    await sleep(50);
  }
  return { socket: l.socket, pid: record.pid };
}

/**
 * Stops the engine under dir and resolves once no dockerd, containerd, shim or container
 * process of it is left and nothing under dir is mounted. Safe to call when it is not up.
 */
export async function engineDown(dir: string): Promise<void> {
  const l = layout(resolve(dir));
  const record = readRecord(l.state);
  if (record && isSameProcess(record)) {
    process.kill(record.pid, 'SIGTERM');
    await waitGone([record.pid], STOP_GRACE_MS);
  }
  // What a killed or crashed dockerd leaves: containerd and shims name our directory in their
  // arguments; containers are the shims' children and name nothing of it.
  const processes = listProcesses();
  const ours = processes.filter((p) => p.cmdline.includes(`${l.dir}/`) && isRunning(p.pid)).map((p) => p.pid);
  const leftovers = [...ours, ...descendantsOf(ours, processes)].filter(isRunning);
  if (leftovers.length > 0) await terminate(leftovers, 2_000);
  await unmountUnder(l.dir);
}

/** GET /_ping on the socket: true once the engine serves its API. */
function ping(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolvePing) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2_000 }, (res) => {
      res.resume();
      resolvePing(res.statusCode === 200);
    });
    req.once('error', () => resolvePing(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

/** dockerd unmounts its overlays and network namespaces when it stops cleanly; after a kill, we do. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length); // deepest first
  for (const point of mounts) await run('umount', ['--lazy', point]).catch(() => undefined);
}

function readRecord(path: string): DaemonRecord | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DaemonRecord;
  } catch {
    return null;
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
