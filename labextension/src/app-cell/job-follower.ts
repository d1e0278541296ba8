import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import type { Job, NarrativeClient } from '@narrative/server/client';
import { FINAL_STATES } from './metadata.js';

/** The log lines an app cell keeps (the whole log is one click away, in the job's API). */
export const MAX_LOG_LINES = 500;

/** What changed: the job (its state or a new job), its log, or the job just ended. */
export type JobChange = 'job' | 'log' | 'ended';

/**
 * One app cell's current job: loaded, then streamed over the job websocket
 * until it ends. The stream resumes after a drop from the last event and log
 * line seen, so nothing is shown twice or lost.
 */
export class JobFollower {
  job: Job | null = null;
  log: string[] = [];
  private socket: WebSocket | null = null;
  private lastSeq = 0;
  private lastLine = 0;
  private disposed = false;

  constructor(private readonly client: NarrativeClient, private readonly changed: (change: JobChange) => void) {}

  get running(): boolean {
    return !!this.job && !FINAL_STATES.has(this.job.state);
  }

  /** Shows a job already loaded, with its log (a finished job restored with its narrative). */
  show(job: Job, log: string[]): void {
    this.close();
    this.job = job;
    this.log = log.slice(-MAX_LOG_LINES);
  }

  /** Takes the job as an action returned it (a cancel, which may find it already ended). */
  update(job: Job): void {
    const wasFinal = !!this.job && FINAL_STATES.has(this.job.state);
    this.job = job;
    this.changed(FINAL_STATES.has(job.state) && !wasFinal ? 'ended' : 'job');
  }

  /** Loads a job and streams it unless it is final; `withFinalLog` loads a final job's log too. Throws when the job cannot be loaded. */
  async follow(jobId: number, withFinalLog: boolean): Promise<void> {
    this.close();
    this.lastSeq = 0;
    this.lastLine = 0;
    this.log = [];
    this.job = await this.client.job(jobId);
    if (this.disposed) return;
    this.changed('job');
    if (!FINAL_STATES.has(this.job.state)) {
      this.connect(jobId);
      return;
    }
    if (withFinalLog) {
      try {
        this.log = (await this.client.jobLog(jobId)).lines.map((l) => l.text).slice(-MAX_LOG_LINES);
        if (!this.disposed) this.changed('log');
      } catch {
        // The log is a convenience; the state and outputs already show.
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.close();
  }

  private close(): void {
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private connect(jobId: number): void {
    const url = URLExt.join(PageConfig.getWsUrl(), `api/v1/jobs/${jobId}/stream`) + `?afterEvent=${this.lastSeq}&afterLine=${this.lastLine}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    let ended = false;
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      const data = JSON.parse(String(message.data)) as { type: string; seq?: number; n?: number; text?: string };
      if (data.type === 'event') {
        this.lastSeq = data.seq ?? this.lastSeq;
        void this.refresh(jobId);
      } else if (data.type === 'log') {
        this.lastLine = data.n ?? this.lastLine;
        this.log.push(data.text ?? '');
        if (this.log.length > MAX_LOG_LINES) this.log.splice(0, this.log.length - MAX_LOG_LINES);
        this.changed('log');
      } else if (data.type === 'end') {
        ended = true;
        void this.refresh(jobId, 3);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (ended || this.disposed) return;
      // Dropped before the end: resume after what was seen, a little later.
      setTimeout(() => {
        if (!this.disposed && !this.socket && this.job?.id === jobId && this.running) this.connect(jobId);
      }, 2000);
    };
  }

  /** Loads the job again after an event; after the end, `tries` more times if that fails (no event will come again). */
  private async refresh(jobId: number, tries = 0): Promise<void> {
    try {
      const job = await this.client.job(jobId);
      if (this.disposed || this.job?.id !== jobId) return;
      const wasFinal = FINAL_STATES.has(this.job.state);
      // Refreshes run side by side: an older answer must not take an ended job back.
      if (wasFinal && !FINAL_STATES.has(job.state)) return;
      this.job = job;
      this.changed(FINAL_STATES.has(job.state) && !wasFinal ? 'ended' : 'job');
    } catch {
      if (tries > 0 && !this.disposed) setTimeout(() => void this.refresh(jobId, tries - 1), 1000);
    }
  }
}
