import { readdir, readlink } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type { EngineTarget } from '../job-dir/engine-variables.js';
import type { RunnableJobSpec } from '../job-dir/job-spec.js';
import { openLog, type LogWriter } from '../job-dir/log.js';
import type { MemoryUse, Usage } from '../job-dir/result.js';
import type { Account } from '../job-dir/run-as.js';
import type { Prepared } from './prepare.js';
import { pipeLines } from './run-container.js';
import type { Launch, Launched } from './wrap.js';

const MiB = 1024 * 1024;

/** The engine's create request for one job: the same hardening as runtimes/docker.ts's CLI flags. */
export function containerConfig(spec: RunnableJobSpec, prepared: Prepared, account: Account, o: Pick<EngineTarget, 'container' | 'network'>): Docker.ContainerCreateOptions {
  return {
    name: o.container,
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
      Memory: spec.memoryMiB * MiB,
      MemorySwap: spec.memoryMiB * MiB, // no swap beyond the memory limit, as the wrapper's own cgroup does
      NanoCpus: Math.round(spec.cpus * 1e9),
      PidsLimit: 4096, // a fork bomb stays inside the job
      LogConfig: { Type: 'json-file', Config: {} },
    },
  };
}

/**
 * Runs the job's one container through the engine's API: create, start,
 * stream its output into the job log, wait, then remove it. At the time limit
 * or on cancel it gets SIGTERM, then SIGKILL after the grace period. The docker
 * scheduler starts the wrapper with this target; it refused at submit what the
 * engine cannot run, and the checks here say the same for a wrapper started otherwise.
 */
export function engineLaunch(target: EngineTarget, jobDir: string, spec: RunnableJobSpec): Launch {
  const problems: string[] = [];
  if (spec.image.format !== 'docker-image') problems.push(`a Docker engine runs docker-image images, not ${spec.image.format}`);
  if (spec.network && !target.network) problems.push('the app asks for network, and this Docker engine gives jobs none');
  if (spec.gpus > 0 || spec.mpi) problems.push('a Docker engine job gets no GPUs or MPI');
  if (problems.length > 0) throw new Error(problems.join('; '));
  const docker = new Docker({ socketPath: target.socket });
  return async (spec, prepared, account, cancel) => {
    const version = await docker.version().then((v) => v.Version, () => 'unknown');
    const launched = (outcome: Launched['outcome'], exitCode: number | null, used?: Used): Launched => ({ outcome, exitCode, signal: null, runtime: { name: 'docker', version }, injections: [], ...used });
    if (cancel.aborted) return launched('cancelled', null);
    const container = await docker.createContainer(containerConfig(spec, prepared, account, target));
    const log = openLog(jobDir);
    try {
      return await runContainer(docker, container, spec, target.graceMs, log, cancel, launched);
    } finally {
      await log.close();
      // After the engine's record of the exit (OOMKilled) was read: an ended job leaves nothing in the engine.
      await container.remove({ force: true }).catch(() => undefined);
    }
  };
}

/** Starts the created container and waits for its end, stopping it at the time limit or on cancel. */
async function runContainer(
  docker: Docker, container: Docker.Container, spec: RunnableJobSpec, graceMs: number, log: LogWriter, cancel: AbortSignal,
  launched: (outcome: Launched['outcome'], exitCode: number | null, used?: Used) => Launched,
): Promise<Launched> {
  let stoppedBy: 'timed-out' | 'cancelled' | null = null;
  let started = false;
  let killing = false;
  // The kill waits for the start: a container that never started has nothing to stop.
  const killNow = () => {
    if (killing || !started || !stoppedBy) return;
    killing = true;
    log.line('system', stoppedBy === 'timed-out' ? `time limit of ${spec.timeLimitSeconds} s reached: stopping` : 'cancelled: stopping');
    void kill(container, 'SIGTERM');
    setTimeout(() => void kill(container, 'SIGKILL'), graceMs).unref();
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
    log.line('system', `limits: ${spec.memoryMiB} MiB of memory (swap included), ${spec.cpus} CPU${spec.cpus === 1 ? '' : 's'}, held by the Docker engine`);
    await container.start();
    const startedAt = performance.now();
    started = true;
    timer = setTimeout(() => stop('timed-out'), spec.timeLimitSeconds * 1000);
    killNow(); // cancelled while starting
    const namespace = await pidNamespace((await container.inspect()).State.Pid);
    const logs = streamLogs(docker, container, log);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const wallSeconds = Math.round(performance.now() - startedAt) / 1000;
    await logs;
    if (namespace) await namespaceEmptied(namespace, 5_000);
    const state = (await container.inspect()).State;
    // The engine keeps no peak once the container has gone; an OOM kill means the cgroup reached its limit, so that is the peak.
    const memory: MemoryUse = { limitMiB: spec.memoryMiB, peakMiB: state.OOMKilled ? spec.memoryMiB : null, enforcedBy: 'engine' };
    // Nor any CPU time: the container's cgroup, which counted it, is removed with the container's end.
    const usage: Usage = { cpuSeconds: null, peakMemoryMiB: memory.peakMiB, wallSeconds };
    if (stoppedBy) return launched(stoppedBy, StatusCode, { memory, usage });
    if (state.OOMKilled) log.line('system', `out of memory: the kernel killed a process of the app at its limit of ${spec.memoryMiB} MiB`);
    return launched(state.OOMKilled ? 'out-of-memory' : 'exited', StatusCode, { memory, usage });
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
  }
}

/** What the engine let the wrapper learn of the app's use of the node. */
type Used = Pick<Launched, 'memory' | 'usage'>;

/** The container's stdout and stderr, line by line, into the job log in the wrapper's format. */
async function streamLogs(docker: Docker, container: Docker.Container, log: LogWriter): Promise<void> {
  // Followed from the start (the json-file log keeps everything), ends when the container stops.
  const stream = await container.logs({ follow: true, stdout: true, stderr: true });
  const out = new PassThrough();
  const err = new PassThrough();
  const done = [pipeLines(out, 'stdout', log), pipeLines(err, 'stderr', log)];
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
