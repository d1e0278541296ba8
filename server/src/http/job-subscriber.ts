import { LogTail, type LogCheckpoint } from '@narrative/launcher-native';
import WebSocket from 'ws';
import { Problem } from '../errors.js';

/** A socket past this many unsent bytes is sent no more live lines: it catches up from the log file once it drains. */
export const HIGH_WATER_BYTES = 1024 * 1024;

/** What one subscriber asked for: the positions it has already seen, and how its access is checked again. */
export interface SubscriberSpec {
  afterEvent: number;
  afterLine: number;
  /** Throws a Problem once the caller may no longer read the job (token revoked, access removed). */
  recheck: () => Promise<void>;
}

/**
 * One socket following a job through the job's hub: the last event seq and
 * line number it was sent, so that nothing reaches it twice and a reconnect
 * with those positions continues exactly after them. While it is behind the
 * hub (it joined with an older position, or its socket filled up and it
 * missed batches) it reads the log on its own, from where it stopped, and no
 * line is held in memory for it.
 */
export class JobSubscriber {
  lastSeq: number;
  /** The last line number sent. */
  line: number;
  /** Its own reader of the log while behind the hub; null while it takes the hub's batches. */
  catchUp: LogTail | null = null;
  lastCheck = Date.now();
  done = false;
  private alive = true;

  constructor(readonly socket: WebSocket, private readonly spec: SubscriberSpec) {
    this.lastSeq = spec.afterEvent;
    this.line = spec.afterLine;
    socket.on('pong', () => (this.alive = true));
  }

  get open(): boolean {
    return !this.done && this.socket.readyState === WebSocket.OPEN;
  }

  /** Open and not holding more unsent bytes than the high-water mark. */
  get ready(): boolean {
    return this.open && this.socket.bufferedAmount < HIGH_WATER_BYTES;
  }

  /** Falls behind: reads the log itself from `from` (a checkpoint at or before its line) until it has caught up. */
  readOnItsOwn(jobDir: string, from: LogCheckpoint): void {
    this.catchUp = new LogTail(jobDir, this.line, from.line <= this.line ? from : undefined);
  }

  send(message: Record<string, unknown>): void {
    if (this.open) this.socket.send(JSON.stringify(message));
  }

  /** A message serialized once for every subscriber it goes to. */
  sendShared(message: Buffer): void {
    if (this.open) this.socket.send(message, { binary: false });
  }

  end(state: string): void {
    this.send({ type: 'end', state });
    this.done = true;
    this.socket.close(1000, 'job ended');
  }

  fail(): void {
    this.done = true;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1011, 'server error');
  }

  /** Access still granted and the client still answering pings; otherwise the connection is closed. */
  async check(): Promise<void> {
    this.lastCheck = Date.now();
    if (!this.alive) {
      this.done = true;
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
    try {
      await this.spec.recheck();
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      this.done = true;
      // 1008: policy violation; close reasons are limited to 123 bytes.
      this.socket.close(1008, Buffer.from(error.detail).subarray(0, 120).toString());
    }
  }
}
