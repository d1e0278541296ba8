import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { openLog, type LogWriter } from '../job-dir/log.js';

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Set when the wrapper runs as root: the account the container process runs as. */
  user: { uid: number; gid: number } | null;
  /** The job directory whose log the command's output goes to. */
  jobDir: string;
  timeLimitMs: number;
  /** Aborted when the job is cancelled (the wrapper got SIGTERM). */
  cancel: AbortSignal;
  graceMs?: number;
  /**
   * The runtime's own stop command, run (as the same account) on the time limit or a cancel:
   * podman's container is held by conmon outside this process group and outlives a killed CLI.
   */
  stopArgv?: string[] | null;
  /** Starts the process (a synchronous spawn) inside the job's limits; by default it is just called. */
  spawnInside?: <T>(start: () => T) => T;
}

export interface RunOutcome {
  outcome: 'exited' | 'timed-out' | 'cancelled';
  exitCode: number | null;
  signal: string | null;
}

/**
 * Runs one command in its own process group, streaming its output line by
 * line into the job log (JSON lines: time, stream, text). On the time limit
 * or a cancel the whole group gets SIGTERM, then SIGKILL after a grace period;
 * when the command ends, whatever it left in its group is killed too.
 */
export function runLogged(argv: string[], o: RunOptions): Promise<RunOutcome> {
  const log = openLog(o.jobDir);
  const start = () => spawn(argv[0]!, argv.slice(1), {
    cwd: o.cwd,
    env: o.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
  });
  const child = o.spawnInside ? o.spawnInside(start) : start();
  const streams = [pipeLines(child.stdout, 'stdout', log), pipeLines(child.stderr, 'stderr', log)];
  let stoppedBy: 'timed-out' | 'cancelled' | null = null;
  const stop = (why: 'timed-out' | 'cancelled') => {
    if (stoppedBy || child.exitCode !== null) return;
    stoppedBy = why;
    log.line('system', why === 'timed-out' ? `time limit of ${Math.round(o.timeLimitMs / 1000)} s reached: stopping` : 'cancelled: stopping');
    if (o.stopArgv) runStop(o.stopArgv, o, log);
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), o.graceMs ?? 5000).unref();
  };
  const timer = setTimeout(() => stop('timed-out'), o.timeLimitMs);
  const onCancel = () => stop('cancelled');
  o.cancel.addEventListener('abort', onCancel);
  if (o.cancel.aborted) onCancel();

  return new Promise<RunOutcome>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      void log.close();
      reject(error);
    });
    child.once('close', async (code, signal) => {
      clearTimeout(timer);
      o.cancel.removeEventListener('abort', onCancel);
      killGroup(child.pid, 'SIGKILL');
      await Promise.all(streams);
      await log.close();
      resolve({ outcome: stoppedBy ?? 'exited', exitCode: code, signal });
    });
  });
}

/** Runs the runtime's stop command; a failure only goes to the log, since the group is killed anyway. */
function runStop(argv: string[], o: RunOptions, log: LogWriter): void {
  execFile(argv[0]!, argv.slice(1), { cwd: o.cwd, env: o.env, timeout: 30_000, ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}) }, (error, _stdout, stderr) => {
    if (error) log.line('system', `${argv.join(' ')} failed: ${stderr.trim() || error.message}`);
  });
}

/** A stream's output, line by line, into the job log; resolves once the stream has ended. */
export function pipeLines(stream: Readable, name: 'stdout' | 'stderr', log: LogWriter): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => log.line(name, line));
  return new Promise((resolve) => lines.once('close', resolve));
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
