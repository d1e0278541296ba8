import { Agent, request } from 'node:http';

const SERVER_KEEP_ALIVE_MS = 5000;

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

/**
 * Requests over a keep-alive pool sized for every simulated user at once:
 * each user holds its own connection, as a browser tab would, so connection
 * set-up is not what the figures measure. A network error answers status 0.
 */
export class KeepAliveHttp {
  private readonly agent: Agent;
  private readonly origin: URL;

  constructor(url: string, sockets: number) {
    this.origin = new URL(url);
    // Node's server closes a connection idle for 5 s (keepAliveTimeout); a client reusing it at that
    // moment reads ECONNRESET. Browsers retry then; this client instead drops its idle sockets first.
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, timeout: SERVER_KEEP_ALIVE_MS - 1000 });
  }

  send(method: string, path: string, token: string, json?: unknown): Promise<Answer> {
    const started = performance.now();
    const body = json === undefined ? undefined : JSON.stringify(json);
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    return new Promise((resolve) => {
      const req = request({ host: this.origin.hostname, port: this.origin.port, path: `/api/v1${path}`, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text.slice(0, 300);
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
        res.on('error', (error) => resolve({ status: 0, body: String(error), ms: performance.now() - started }));
      });
      req.on('error', (error) => resolve({ status: 0, body: String(error), ms: performance.now() - started }));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
