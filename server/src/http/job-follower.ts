import { hasEnded } from '../domain/jobs/states.js';
import { endedAtOf } from '../domain/jobs/job.js';
import { hasResult, LogTail } from '@narrative/launcher-native';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { Context } from '../domain/context.js';
import { Problem } from '../errors.js';

/** What one stream connection follows, from which positions, and how often it looks. */
export interface FollowSpec {
  jobId: number;
  afterEvent: number;
  afterLine: number;
  /** The job's directory, whose log and result are followed; null where this server runs no apps. */
  jobDir: string | null;
  /** Throws a Problem once the caller may no longer read the job (token revoked, access removed). */
  recheck: () => Promise<void>;
}

export const STREAM_TIMING = {
  /** The store and log are looked at this often; a change on this process also wakes the stream at once. */
  pollMs: 200,
  /**
   * After a job's final state, lines may still come from a wrapper that is
   * stopping (a cancel on Slurm returns before it exits). The stream waits for
   * its result.json, written after the log is closed, or this long after the
   * job ended where there will be none (cancelled while queued, lost).
   */
  settleMs: 2000,
  /** Access is checked again, and the client pinged, this often. */
  recheckMs: 30_000,
};

/** Log lines are read only while the client has taken less than this: a slow reader does not fill memory. */
const HIGH_WATER_BYTES = 1024 * 1024;
const READ_BUDGET_BYTES = 256 * 1024;

/**
 * Sends one connection the job's events and complete log lines in order,
 * then `end` once the job is final and its log complete. It runs one pass at
 * a time and remembers the last event seq and line number sent, so nothing
 * is sent twice on a connection, and a client that reconnects with the last
 * positions it saw continues exactly after them.
 */
export class JobFollower {
  private lastSeq: number;
  private readonly tail: LogTail | null;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastCheck = Date.now();
  private alive = true;
  private finalSeenAt: number | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: Context, private readonly socket: WebSocket, private readonly spec: FollowSpec, private readonly logger: Logger) {
    this.lastSeq = spec.afterEvent;
    this.tail = spec.jobDir ? new LogTail(spec.jobDir, spec.afterLine) : null;
    this.unsubscribe = ctx.coordination.onJobChange((jobId) => {
      if (jobId === spec.jobId) this.wake();
    });
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => void this.stop());
    this.wake();
  }

  /** Stops following (timers and listeners gone); resolves once a pass under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    await this.pass;
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true; // a change arrived mid-pass: look again right after it
      return;
    }
    clearTimeout(this.timer);
    this.pass = this.follow()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.pass = null;
        if (this.stopped) return;
        const delay = this.again ? 0 : STREAM_TIMING.pollMs;
        this.again = false;
        this.timer = setTimeout(() => this.wake(), delay);
      });
  }

  /** One pass; the order of its reads is what makes `end` safe (see below). */
  private async follow(): Promise<void> {
    if (Date.now() - this.lastCheck >= STREAM_TIMING.recheckMs && !(await this.checkClient())) return;
    // The state is read before the events: a final state's event is committed with it, so the events read next include it.
    const job = await this.ctx.store.getJob(this.spec.jobId);
    if (!job) throw new Error(`job ${this.spec.jobId} disappeared while streamed`);
    const final = hasEnded(job.state);
    if (final) this.finalSeenAt ??= Date.now();
    // Checked before the log is read: the wrapper writes result.json after closing the log, so the read below gets every line.
    const wrapperDone = final && (this.spec.jobDir === null || (await hasResult(this.spec.jobDir)));

    for (const { seq, at, event } of await this.ctx.store.jobEvents(this.spec.jobId, this.lastSeq)) {
      if (seq <= this.lastSeq) continue;
      if (!this.send({ type: 'event', seq, at, event })) return;
      this.lastSeq = seq;
    }
    let logDone = true;
    if (this.tail) {
      logDone = false;
      if (this.socket.bufferedAmount < HIGH_WATER_BYTES) {
        const { lines, atEnd } = await this.tail.read(READ_BUDGET_BYTES);
        for (const line of lines) if (!this.send({ type: 'log', ...line })) return;
        logDone = atEnd;
      }
    }
    if (!final || !logDone) return;
    const ended = endedAtOf(job);
    const endedAt = ended ? Date.parse(ended) : this.finalSeenAt!;
    if (!wrapperDone && Date.now() - Math.min(endedAt, this.finalSeenAt!) < STREAM_TIMING.settleMs) return;
    this.send({ type: 'end', state: job.state });
    this.stopped = true;
    this.socket.close(1000, 'job ended');
  }

  /** Access still granted and the client still answering pings; otherwise the connection is closed. */
  private async checkClient(): Promise<boolean> {
    this.lastCheck = Date.now();
    if (!this.alive) {
      this.stopped = true;
      this.socket.terminate();
      return false;
    }
    this.alive = false;
    this.socket.ping();
    try {
      await this.spec.recheck();
      return true;
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      this.stopped = true;
      // 1008: policy violation; close reasons are limited to 123 bytes.
      this.socket.close(1008, Buffer.from(error.detail).subarray(0, 120).toString());
      return false;
    }
  }

  private send(message: Record<string, unknown>): boolean {
    if (this.stopped || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private fail(error: unknown): void {
    this.logger.error({ err: error, jobId: this.spec.jobId }, 'job stream failed');
    this.stopped = true;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1011, 'server error');
  }
}
