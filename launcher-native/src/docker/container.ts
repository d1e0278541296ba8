import { createWriteStream, type WriteStream } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { Resources } from '../schedulers/scheduler.js';
import type { JobSpec, MemoryUse } from '../wrapper/job-spec.js';
import type { Prepared } from '../wrapper/prepare.js';
import { writeLine } from '../wrapper/run-container.js';
import type { Account, Launch, Launched } from '../wrapper/wrap.js';

export interface ContainerOptions {
  /** The container's name: unique per engine, so a stray one can be found and removed. */
  name: string;
  resources: Resources;
  logFile: string;
  /** Time between SIGTERM and SIGKILL on a cancel or at the time limit. */
  graceMs: number;
  /** The engine network for jobs that ask for one; undefined: such jobs were refused at submit. */
  network: string | undefined;
  /** Called once the container runs (the job is then `running`). */
  onStarted: () => void;
  /** Called once the container exists, so it can be removed whatever happens next. */
  onCreated: (container: Docker.Container) => void;
}

const MiB = 1024 * 1024;

/** The engine's create request for one job: the same hardening as runtimes/docker.ts's CLI flags. */
export function containerConfig(spec: JobSpec, prepared: Prepared, account: Account, o: Pick<ContainerOptions, 'name' | 'resources' | 'network'>): Docker.ContainerCreateOptions {
  return {
    name: o.name,
    Image: spec.image.location,
    // The app's argv is its whole command: an ENTRYPOINT baked into the image must not prefix it.
    Entrypoint: spec.argv,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    User: `${account.uid}:${account.gid}`,
    WorkingDir: '/out',
    Labels: { 'org.narrative.job': spec.jobId },
    HostConfig: {
      // Mounts, not Binds: a ':' in a path cannot be mistaken for an option.
      Mounts: [
        { Type: 'bind', Source: prepared.inDir, Target: '/in', ReadOnly: true },
        { Type: 'bind', Source: prepared.outDir, Target: '/out', ReadOnly: false },
      ],
      NetworkMode: spec.network && o.network ? o.network : 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev' },
      // tini as PID 1: the app gets SIGTERM on cancel (PID 1 ignores signals it has no handler for), and zombies are reaped.
      Init: true,
      Memory: o.resources.memoryMiB * MiB,
      MemorySwap: o.resources.memoryMiB * MiB, // no swap beyond the memory limit, as Slurm's cgroup does
      NanoCpus: Math.round(o.resources.cpus * 1e9),
      PidsLimit: 4096, // a fork bomb stays inside the job
      LogConfig: { Type: 'json-file', Config: {} },
    },
  };
}

/**
 * Runs the job's one container through the engine: create, start, stream its
 * output into the job log, wait. At the time limit or on cancel it gets
 * SIGTERM, then SIGKILL after the grace period. The container is left for the
 * caller to remove, after the result is written.
 */
export function dockerLaunch(docker: Docker, o: ContainerOptions): Launch {
  return async (spec, prepared, account, cancel) => {
    const version = await docker.version().then((v) => v.Version, () => 'unknown');
    const launched = (outcome: Launched['outcome'], exitCode: number | null, memory?: MemoryUse): Launched => ({ outcome, exitCode, signal: null, runtime: { name: 'docker', version }, injections: [], ...(memory ? { memory } : {}) });
    if (cancel.aborted) return launched('cancelled', null);
    const container = await docker.createContainer(containerConfig(spec, prepared, account, o));
    o.onCreated(container);
    const log = createWriteStream(o.logFile, { flags: 'a' });
    let stoppedBy: 'timed-out' | 'cancelled' | null = null;
    let started = false;
    let killing = false;
    // The kill waits for the start: a container that never started has nothing to stop.
    const killNow = () => {
      if (killing || !started || !stoppedBy) return;
      killing = true;
      writeLine(log, 'system', stoppedBy === 'timed-out' ? `time limit of ${spec.timeLimitSeconds} s reached: stopping` : 'cancelled: stopping');
      void kill(container, 'SIGTERM');
      setTimeout(() => void kill(container, 'SIGKILL'), o.graceMs).unref();
    };
    const stop = (why: 'timed-out' | 'cancelled') => {
      stoppedBy ??= why;
      killNow();
    };
    const onCancel = () => stop('cancelled');
    cancel.addEventListener('abort', onCancel);
    if (cancel.aborted) onCancel();
    let timer: NodeJS.Timeout | undefined;
    try {
      if (stoppedBy) return launched(stoppedBy, null);
      writeLine(log, 'system', `limits: ${o.resources.memoryMiB} MiB of memory (swap included), ${o.resources.cpus} CPU${o.resources.cpus === 1 ? '' : 's'}, held by the Docker engine`);
      await container.start();
      started = true;
      o.onStarted();
      timer = setTimeout(() => stop('timed-out'), spec.timeLimitSeconds * 1000);
      killNow(); // cancelled while starting
      const namespace = await pidNamespace((await container.inspect()).State.Pid);
      const logs = streamLogs(docker, container, log);
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      await logs;
      if (namespace) await namespaceEmptied(namespace, 5_000);
      const state = (await container.inspect()).State;
      // The engine keeps no peak once the container has gone; an OOM kill means the cgroup reached its limit, so that is the peak.
      const memory: MemoryUse = { limitMiB: o.resources.memoryMiB, peakMiB: state.OOMKilled ? o.resources.memoryMiB : null, enforcedBy: 'engine' };
      if (stoppedBy) return launched(stoppedBy, StatusCode, memory);
      if (state.OOMKilled) writeLine(log, 'system', `out of memory: the kernel killed a process of the app at its limit of ${o.resources.memoryMiB} MiB`);
      return launched(state.OOMKilled ? 'out-of-memory' : 'exited', StatusCode, memory);
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
      await new Promise<void>((done) => log.end(done));
    }
  };
}

/** The container's stdout and stderr, line by line, into the job log in the wrapper's format. */
async function streamLogs(docker: Docker, container: Docker.Container, log: WriteStream): Promise<void> {
  // Followed from the start (the json-file log keeps everything), ends when the container stops.
  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  const out = new PassThrough();
  const err = new PassThrough();
  const done = [lines(out, 'stdout', log), lines(err, 'stderr', log)];
  docker.modem.demuxStream(stream, out, err);
  await new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  out.end();
  err.end();
  await Promise.all(done);
}

function lines(stream: PassThrough, name: 'stdout' | 'stderr', log: WriteStream): Promise<void> {
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  reader.on('line', (line) => writeLine(log, name, line));
  return new Promise((resolve) => reader.once('close', resolve));
}

/** A kill of a container that already stopped is refused (409): that is the goal reached, not an error. */
async function kill(container: Docker.Container, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  await container.kill({ signal }).catch(() => undefined);
}

/** The container's PID namespace (as `pid:[inode]`), or null when it cannot be read (already gone, or not Linux). */
async function pidNamespace(pid: number): Promise<string | null> {
  return pid > 0 ? readlink(`/proc/${pid}/ns/pid`).catch(() => null) : null;
}

/**
 * The engine reports the exit once the container's first process is gone; the kernel kills
 * the rest of its PID namespace right after. Waiting for that makes "ended" mean no process
 * of the app is left (what a cancel promises).
 */
async function namespaceEmptied(namespace: string, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
    const members = await Promise.all((await readdir('/proc')).filter((e) => /^\d+$/.test(e)).map((e) => readlink(`/proc/${e}/ns/pid`).catch(() => null)));
    if (!members.includes(namespace)) return;
  }
}
