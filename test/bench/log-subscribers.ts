import WebSocket from 'ws';
import { writtenAtOf } from './log-writer.js';

/** A line's object starts `{"n":`; inside a string a quote would be escaped, so these bytes start nothing else. */
const LINE_START = [0x7b, 0x22, 0x6e, 0x22, 0x3a];
const LINE_KEY = Buffer.from('"n":');
/** The message of one line, `{"type":"log","n":…}`, or of a batch, `{"type":"lines","lines":[{"n":…},…]}`. */
const ONE_LINE = Buffer.from('{"type":"log",');
const BATCH = Buffer.from('{"type":"lines",');

/**
 * What one subscriber received of the lines it expects (numbers `from` to
 * `to`): every line number is checked in order, so a line lost, repeated or
 * out of order is counted. Counting reads only the `"n":` keys of each message,
 * so that a thousand subscribers can be counted on one core; probes parse
 * every message whole and keep each line's delivery latency.
 */
class Subscriber {
  next: number;
  /** Lines skipped, repeated or out of order. */
  faults = 0;
  readonly latencies: number[] = [];
  /** Distinct lines received in order. */
  got = 0;
  closed = false;
  private socket: WebSocket | null = null;

  /** `raw`: messages are runs of the log file's own lines (raw-log-server.ts), numbered by their order. */
  constructor(first: number, readonly probe: boolean, private readonly raw: boolean) {
    this.next = first;
  }


  connect(url: string, headers: Record<string, string>): Promise<void> {
    // The probes parse what they receive; the counters need no check that text frames are UTF-8.
    const socket = new WebSocket(url, { headers, perMessageDeflate: false, skipUTF8Validation: !this.probe });
    this.socket = socket;
    socket.on('message', (data: Buffer) => (this.raw ? this.rawLines(data) : this.probe ? this.parse(data) : this.count(data)));
    socket.once('close', () => (this.closed = true));
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }

  private take(n: number): void {
    if (n < this.next) {
      this.faults++;
      return;
    }
    this.faults += n - this.next;
    this.got++;
    this.next = n + 1;
  }

  private count(data: Buffer): void {
    if (data.subarray(0, ONE_LINE.length).equals(ONE_LINE)) return this.take(numberAt(data, data.indexOf(LINE_KEY) + LINE_KEY.length));
    if (!data.subarray(0, BATCH.length).equals(BATCH)) return;
    // Searching for one byte is memchr; a line is then recognized by the four bytes after it.
    for (let at = data.indexOf(LINE_START[0]!); at !== -1; at = data.indexOf(LINE_START[0]!, at + 1)) {
      if (data[at + 1] !== LINE_START[1] || data[at + 2] !== LINE_START[2] || data[at + 3] !== LINE_START[3] || data[at + 4] !== LINE_START[4]) continue;
      this.take(numberAt(data, at + LINE_START.length));
    }
  }

  private rawLines(data: Buffer): void {
    const now = performance.timeOrigin + performance.now();
    for (let start = 0, end = data.indexOf(0x0a); end !== -1; start = end + 1, end = data.indexOf(0x0a, start)) {
      if (this.probe) {
        const { text } = JSON.parse(data.toString('utf8', start, end)) as { text: string };
        this.latencies.push(now - writtenAtOf(text));
      }
      this.take(this.next);
    }
  }

  private parse(data: Buffer): void {
    const now = performance.timeOrigin + performance.now();
    const message = JSON.parse(data.toString('utf8')) as { type: string; n?: number; text?: string; lines?: { n: number; text: string }[] };
    const lines = message.type === 'log' ? [message as { n: number; text: string }] : message.type === 'lines' ? message.lines! : [];
    for (const line of lines) {
      this.take(line.n);
      if (line.text.startsWith('bench ')) this.latencies.push(now - writtenAtOf(line.text));
    }
  }
}

function numberAt(data: Buffer, start: number): number {
  let n = 0;
  for (let i = start; data[i]! >= 0x30 && data[i]! <= 0x39; i++) n = n * 10 + data[i]! - 0x30;
  return n;
}

export interface Tally {
  subscribers: number;
  expectedPerSubscriber: number;
  /** Over every subscriber: lines not received by the deadline, and lines received out of order or twice. */
  missing: number;
  faults: number;
  /** Subscribers the server closed before the deadline. */
  closedEarly: number;
  latencies: number[];
}

/** `count` subscribers of one job's stream, each from line `afterLine`, every `probeEvery`-th of them a probe. */
export class Subscribers {
  private readonly all: Subscriber[];

  constructor(count: number, private readonly afterLine: number, probeEvery: number, raw = false) {
    this.all = Array.from({ length: count }, (_, i) => new Subscriber(afterLine + 1, i % probeEvery === 0, raw));
  }

  /** Connects them, `atOnce` handshakes at a time, as a crowd of browsers would arrive over a moment. */
  async connect(url: string, headers: Record<string, string>, atOnce = 25): Promise<void> {
    for (let i = 0; i < this.all.length; i += atOnce) {
      await Promise.all(this.all.slice(i, i + atOnce).map((s) => s.connect(url, headers)));
    }
  }

  /** Waits until every subscriber has line `last`, or the deadline (an epoch ms) passes. */
  async waitFor(last: number, deadline: number): Promise<void> {
    while (Date.now() < deadline && this.all.some((s) => s.next <= last && !s.closed)) await new Promise((r) => setTimeout(r, 50));
  }

  tally(last: number): Tally {
    const expected = last - this.afterLine;
    return {
      subscribers: this.all.length,
      expectedPerSubscriber: expected,
      missing: this.all.reduce((sum, s) => sum + Math.max(0, expected - s.got), 0),
      faults: this.all.reduce((sum, s) => sum + s.faults, 0),
      closedEarly: this.all.filter((s) => s.closed).length,
      latencies: this.all.flatMap((s) => s.latencies),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((s) => s.close()));
  }
}
