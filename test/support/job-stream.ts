import WebSocket from 'ws';

/**
 * A Node client for the job stream websocket, for tests. It lives here, not
 * in the shared client: Node 20 has no global WebSocket, and the browser's
 * cannot send an Authorization header (it relies on the session cookie).
 * A batch of lines is kept as one `log` message per line, so that tests can
 * cut a stream between any two lines, as a client that processed part of a
 * batch would.
 */
export type StreamMessage =
  | { type: 'event'; seq: number; at: string; event: { type: string; state: string } & Record<string, unknown> }
  | { type: 'log'; n: number; t: string; stream: string; text: string }
  | { type: 'end'; state: string };

type WireMessage = Exclude<StreamMessage, { type: 'log' }> | { type: 'lines'; lines: { n: number; t: string; stream: string; text: string }[] };

export interface StreamOptions {
  afterEvent?: number;
  afterLine?: number;
  headers?: Record<string, string>;
  /** Extra query text, to check that the server refuses what it does not know. */
  query?: Record<string, string>;
}

export function streamUrl(serverUrl: string, jobId: number | string, o: StreamOptions = {}): string {
  const url = new URL(`/api/v1/jobs/${jobId}/stream`, serverUrl.replace(/^http/, 'ws'));
  if (o.afterEvent !== undefined) url.searchParams.set('afterEvent', String(o.afterEvent));
  if (o.afterLine !== undefined) url.searchParams.set('afterLine', String(o.afterLine));
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

/** One connection: every message kept in arrival order, with waits for the next ones and for the close. */
export class JobStream {
  readonly messages: StreamMessage[] = [];
  /** What arrived, one entry per websocket message. */
  readonly frames: WireMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly socket: WebSocket;
  private waiters: (() => void)[] = [];
  private failure: Error | null = null;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as WireMessage;
      this.frames.push(message);
      if (message.type === 'lines') this.messages.push(...message.lines.map((line): StreamMessage => ({ type: 'log', ...line })));
      else this.messages.push(message);
      this.notify();
    });
    this.socket.on('error', (error) => {
      this.failure = error;
      this.notify();
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => {
      this.notify();
      resolve({ code, reason: String(reason) });
    }));
  }

  /** Resolves once `count` messages have arrived (or rejects if the connection ends first). */
  async take(count: number, timeoutMs = 60_000): Promise<StreamMessage[]> {
    await this.until(() => this.messages.length >= count, `${count} messages`, timeoutMs);
    return this.messages.slice(0, count);
  }

  /** Every message up to and including `end`. */
  async untilEnd(timeoutMs = 120_000): Promise<StreamMessage[]> {
    await this.until(() => this.messages.some((m) => m.type === 'end'), 'the end message', timeoutMs);
    return this.messages.slice();
  }

  /** Resolves once a message matching `test` has arrived. */
  async until(test: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (this.failure) throw this.failure;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`the stream closed before ${what}; got ${JSON.stringify(this.messages)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => resolve(clearTimeout(timer)));
      });
    }
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export function openJobStream(serverUrl: string, jobId: number | string, o: StreamOptions = {}): JobStream {
  return new JobStream(streamUrl(serverUrl, jobId, o), o.headers);
}

/** The HTTP answer to an upgrade the server refuses: status, content type and body. */
export function refusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.terminate();
      reject(new Error(`the server accepted ${url}`));
    });
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        socket.terminate();
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: JSON.parse(text) as Record<string, unknown> });
      });
    });
    socket.on('error', (error) => reject(error));
  });
}

/** The last event seq and log line number among messages, for resuming. */
export function positionsOf(messages: StreamMessage[]): { afterEvent: number; afterLine: number } {
  let afterEvent = 0;
  let afterLine = 0;
  for (const m of messages) {
    if (m.type === 'event') afterEvent = m.seq;
    if (m.type === 'log') afterLine = m.n;
  }
  return { afterEvent, afterLine };
}
