import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import type { Job, NarrativeClient } from '@narrative/server/client';
import { isEnded } from './state.js';

/** How long a dropped stream waits before it connects again. */
const RECONNECT_MS = 2000;

/** What a job stream reports: the job after each of its events, and its log lines. */
export interface IJobListener {
  job(job: Job): void;
  log(text: string): void;
}

/** Opens a job's stream (the job websocket in the lab, a fake in tests); disposing it closes the stream. */
export type JobStreamFactory = (jobId: number, listener: IJobListener) => { dispose(): void };

/**
 * The lab's job streams: the job websocket (`api/v1/jobs/{id}/stream`). After
 * each event of the job the job is loaded again; log lines are passed on. A
 * stream dropped before the job's end resumes after the last event and log
 * line seen, so nothing is shown twice or lost.
 */
export function jobStreams(client: NarrativeClient): JobStreamFactory {
  return (jobId, listener) => new JobStream(client, jobId, listener);
}

class JobStream {
  private socket: WebSocket | null = null;
  private lastSeq = 0;
  private lastLine = 0;
  /** The job was seen ended: a drop after that is not resumed. */
  private ended = false;
  private disposed = false;

  constructor(private readonly client: NarrativeClient, private readonly jobId: number, private readonly listener: IJobListener) {
    this.connect();
  }

  dispose(): void {
    this.disposed = true;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private connect(): void {
    const url = URLExt.join(PageConfig.getWsUrl(), `api/v1/jobs/${this.jobId}/stream`) + `?afterEvent=${this.lastSeq}&afterLine=${this.lastLine}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    let end = false;
    socket.onmessage = (message) => {
      if (this.socket !== socket) return;
      const data = JSON.parse(String(message.data)) as { type: string; seq?: number; lines?: { n: number; text: string }[] };
      if (data.type === 'event') {
        this.lastSeq = data.seq ?? this.lastSeq;
        void this.refresh();
      } else if (data.type === 'lines') {
        for (const line of data.lines ?? []) {
          this.lastLine = line.n;
          this.listener.log(line.text);
        }
      } else if (data.type === 'end') {
        end = true;
        void this.refresh(3);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (end || this.ended || this.disposed) return;
      // Dropped before the end: resume after what was seen, a little later.
      setTimeout(() => {
        if (!this.disposed && !this.socket && !this.ended) this.connect();
      }, RECONNECT_MS);
    };
  }

  /** Loads the job after an event; after the end, `tries` more times if that fails (no event will come again). */
  private async refresh(tries = 0): Promise<void> {
    let job: Job;
    try {
      job = await this.client.job(this.jobId);
    } catch {
      if (tries > 0 && !this.disposed) setTimeout(() => void this.refresh(tries - 1), 1000);
      return;
    }
    if (this.disposed) return;
    if (isEnded(job)) this.ended = true;
    // Refreshes run side by side and may answer out of order: the model never takes an ended job back.
    this.listener.job(job);
  }
}
