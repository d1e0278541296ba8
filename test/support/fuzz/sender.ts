import { Agent, request } from 'node:http';
import { renderBody, type RequestSpec } from './request.js';
import type { World } from './world.js';

/** What came back: a status and the first bytes of the body, or the error that stood for an answer. */
export interface Outcome {
  status?: number;
  headers: Record<string, string>;
  body: string;
  error?: string;
}

/** Problem documents can be large (one error per unknown field): keep enough to parse them whole. */
const KEEP_BYTES = 32 * 1024 * 1024;
/** Not a timing assertion: a request unanswered this long is a wedged server, reported as such instead of hanging the test. */
const WEDGED_MS = 60_000;

/**
 * Sends generated requests with node:http (not fetch): paths go out exactly
 * as generated, `..` segments and all, and bodies and headers are whatever
 * the spec says. Keep-alive connections are pooled, as a browser's are.
 */
export class Sender {
  private agent = new Agent({ keepAlive: true, maxSockets: 16 });
  sent = 0;

  constructor(private readonly base: () => string, private readonly world: World) {}

  async send(spec: RequestSpec): Promise<Outcome> {
    this.sent++;
    const first = await this.once(spec, this.agent);
    // A keep-alive socket the server closed a moment before we reused it is a client race, not a server failure: ask once more on a new connection.
    if (first.error && /socket hang up|ECONNRESET|EPIPE/.test(first.error)) return this.once(spec, false);
    return first;
  }

  close(): void {
    this.agent.destroy();
  }

  private once(spec: RequestSpec, agent: Agent | false): Promise<Outcome> {
    const url = new URL(this.base());
    const body = renderBody(spec.body);
    const headers: Record<string, string> = { ...this.world.headers[spec.caller] };
    for (const [name, value] of Object.entries(spec.headers)) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      if (value !== null) headers[name] = value;
    }
    if (body) headers['Content-Length'] = String(body.length);
    return new Promise((resolve) => {
      let done = false;
      const finish = (outcome: Outcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        req.destroy();
        finish({ headers: {}, body: '', error: `no answer within ${WEDGED_MS / 1000} s` });
      }, WEDGED_MS);
      let req: ReturnType<typeof request>;
      try {
        req = request({ host: url.hostname, port: url.port, method: spec.method, path: `${spec.path}${spec.query ? `?${spec.query}` : ''}`, headers, agent });
      } catch (error) {
        // Node refused to send it (a character it will not put on the wire): the generator's fault, not the server's.
        clearTimeout(timer);
        resolve({ headers: {}, body: '', error: `client refused: ${(error as Error).message}` });
        return;
      }
      req.on('error', (error) => finish({ headers: {}, body: '', error: `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < KEEP_BYTES) chunks.push(chunk);
          kept += chunk.length;
        });
        res.on('error', (error) => finish({ status: res.statusCode!, headers: flat(res.headers), body: '', error: `response: ${error.message}` }));
        res.on('end', () => finish({ status: res.statusCode!, headers: flat(res.headers), body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(body);
    });
  }
}

function flat(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
