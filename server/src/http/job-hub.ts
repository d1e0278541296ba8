import { watch, type FSWatcher } from 'node:fs';
import { hasResult, LogTail } from '@narrative/launcher-native';
import { endedAtOf, type Job } from '../domain/jobs/job.js';
import { hasEnded } from '../domain/jobs/states.js';
import type { JobSubscriber } from './job-subscriber.js';
import { RecentBatches } from './recent-batches.js';

/** Where a hub reads its job: the store's state and events, wake-ups when they change, and the job's directory. */
export interface JobSource {
  jobId: number;
  /** The job's directory, whose log and result are followed; null where this server runs no apps. */
  jobDir: string | null;
  job(): Promise<Job | undefined>;
  events(afterSeq: number): Promise<{ seq: number; at: string; event: unknown }[]>;
  onChange(listener: () => void): () => void;
}

export const STREAM_TIMING = {
  /** The store and log are looked at this often; a change announced, or the log file growing on this machine, wakes the hub sooner. */
  pollMs: 200,
  /** Lines written within this long of each other go out in one message: a thousand sockets are written to once per batch, not once per line. */
  batchMs: 25,
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

const READ_BUDGET_BYTES = 256 * 1024;

/**
 * Every stream of one job: one reader of its log, one reader of its state
 * and events, and each batch of lines serialized once and written to every
 * subscriber that has room for it. A subscriber whose socket is full misses
 * the batch and reads on from the log file itself (JobSubscriber), so a slow
 * one neither holds lines in memory nor holds the others back. Passes run
 * one at a time; the order of reads in a pass is what makes `end` safe.
 */
export class JobHub {
  readonly subscribers = new Set<JobSubscriber>();
  stopped = false;
  private readonly tail: LogTail | null;
  /** Lines up to this one are skipped by the hub's reader: subscribers behind it catch up on their own. */
  private readonly skipTo: number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** The last pass stopped before the end of the log: the next one runs at once. */
  private behind = false;
  private pass: Promise<void> | null = null;
  private again = false;
  private lastStoreRead = 0;
  private storeChanged = true;
  private finalSeenAt: number | null = null;
  private watcher: FSWatcher | null = null;
  private readonly unsubscribe: () => void;
  private readonly recent = new RecentBatches();

  constructor(private readonly source: JobSource, firstLine: number, private readonly onFailure: (error: unknown) => void) {
    this.skipTo = firstLine;
    this.tail = source.jobDir ? new LogTail(source.jobDir, firstLine) : null;
    this.unsubscribe = source.onChange(() => {
      this.storeChanged = true;
      this.wake(0);
    });
  }

  /** The last line the hub has passed on (or skipped): a subscriber at or past it takes the hub's batches. */
  private get emitsAfter(): number {
    return Math.max(this.tail?.lastLine ?? 0, this.skipTo);
  }

  add(subscriber: JobSubscriber): void {
    this.subscribers.add(subscriber);
    this.storeChanged = true;
    this.wake(0);
  }

  remove(subscriber: JobSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  /** Stops reading (timers, watcher and listeners gone); resolves once a pass under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.unsubscribe();
    await this.pass;
  }

  private wake(delay: number): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true; // a change arrived mid-pass: look again right after it
      return;
    }
    if (Date.now() + delay >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = Date.now() + delay;
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timerAt = Number.POSITIVE_INFINITY;
    this.behind = false;
    this.pass = this.follow()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.pass = null;
        const delay = this.behind ? 0 : this.again ? STREAM_TIMING.batchMs : STREAM_TIMING.pollMs;
        this.again = false;
        this.wake(delay);
      });
  }

  private async follow(): Promise<void> {
    const due = [...this.subscribers].filter((s) => Date.now() - s.lastCheck >= STREAM_TIMING.recheckMs);
    await Promise.all(due.map((s) => s.check()));
    const live = [...this.subscribers].filter((s) => s.open);
    if (live.length === 0) return;
    this.watchLog();

    // The state is read before the events: a final state's event is committed with it, so the events read next include it.
    const readStore = this.storeChanged || this.finalSeenAt !== null || Date.now() - this.lastStoreRead >= STREAM_TIMING.pollMs;
    let job: Job | undefined;
    let wrapperDone = false;
    if (readStore) {
      this.storeChanged = false;
      this.lastStoreRead = Date.now();
      job = await this.source.job();
      if (!job) throw new Error(`job ${this.source.jobId} disappeared while streamed`);
      if (hasEnded(job.state)) this.finalSeenAt ??= Date.now();
      // Checked before the log is read: the wrapper writes result.json after closing the log, so the reads below get every line.
      wrapperDone = hasEnded(job.state) && (this.source.jobDir === null || (await hasResult(this.source.jobDir)));
      const events = await this.source.events(Math.min(...live.map((s) => s.lastSeq)));
      for (const s of live) {
        for (const { seq, at, event } of events) {
          if (seq <= s.lastSeq) continue;
          s.send({ type: 'event', seq, at, event });
          s.lastSeq = seq;
        }
      }
    }

    const logDone = this.tail ? await this.followLog(this.tail, live) : new Set(live);
    if (!job || !hasEnded(job.state)) return;
    const ended = endedAtOf(job);
    const endedAt = ended ? Date.parse(ended) : this.finalSeenAt!;
    if (!wrapperDone && Date.now() - Math.min(endedAt, this.finalSeenAt!) < STREAM_TIMING.settleMs) return;
    for (const s of logDone) s.end(job.state);
  }

  /**
   * One read of the log, serialized once and kept among the recent batches;
   * then each subscriber with room is sent what it lacks from them (the new
   * batch alone, for those keeping up), or reads the log itself while it is
   * further behind than memory holds. Returns those that have the whole log.
   */
  private async followLog(tail: LogTail, live: JobSubscriber[]): Promise<Set<JobSubscriber>> {
    const from = tail.checkpoint;
    const { lines, atEnd } = await tail.read(READ_BUDGET_BYTES);
    if (!atEnd) this.behind = true;
    const batch = lines.length > 0 ? { first: lines[0]!.n, last: lines.at(-1)!.n, message: Buffer.from(JSON.stringify({ type: 'lines', lines })) } : null;
    this.recent.add(from, batch);
    const done = new Set<JobSubscriber>();
    for (const s of live) {
      if (!s.ready) continue;
      // One reading on its own has the whole log once its own reader is at the end, wherever the hub's is.
      const ownEnd = s.catchUp ? await this.readOnItsOwn(s) : false;
      if (!s.catchUp) this.sendRecent(s);
      if (s.catchUp ? ownEnd : atEnd && s.line >= tail.lastLine) done.add(s);
    }
    return done;
  }

  /** Sends `s` the recent batches after its line while it has room; one behind what memory holds goes to reading the log itself. */
  private sendRecent(s: JobSubscriber): void {
    const batches = this.recent.between(s.line, this.emitsAfter);
    if (!batches) {
      s.readOnItsOwn(this.source.jobDir!, this.recent.checkpointFor(s.line));
      return;
    }
    for (const b of batches) {
      if (!s.ready) return;
      if (b.first === s.line + 1) s.sendShared(b.message);
      else s.send({ type: 'lines', lines: (JSON.parse(b.message.toString()) as { lines: { n: number }[] }).lines.filter((l) => l.n > s.line) });
      s.line = b.last;
    }
  }

  /** A read of `s`'s own from the log; once it reaches what memory holds, it takes the shared batches again. */
  private async readOnItsOwn(s: JobSubscriber): Promise<boolean> {
    const own = s.catchUp!;
    const { lines, atEnd } = await own.read(READ_BUDGET_BYTES);
    if (lines.length > 0) s.send({ type: 'lines', lines });
    s.line = Math.max(s.line, own.lastLine);
    if (!atEnd) this.behind = true;
    if (s.line >= this.emitsAfter || this.recent.between(s.line, this.emitsAfter) !== null) s.catchUp = null;
    return atEnd;
  }

  /** The log file on this machine wakes the hub as it grows; where it cannot be watched (not there yet, another node's disk) the poll remains. */
  private watchLog(): void {
    if (this.watcher || !this.tail) return;
    try {
      this.watcher = watch(this.tail.path, () => this.wake(STREAM_TIMING.batchMs));
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
  }

  private fail(error: unknown): void {
    for (const s of this.subscribers) s.fail();
    this.onFailure(error);
  }
}
