import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';

/** Query parameters that carry credentials (Jupyter's `?token=` on websockets, the lab's `_xsrf`). */
const SECRET_QUERY = ['token', '_xsrf', 'access_token'];

/**
 * Wherever a request or response reaches a log line, these never do. The
 * request serializer below logs no headers at all; this list also covers log
 * calls elsewhere that pass headers of their own.
 */
const REDACTED = [
  'authorization', 'cookie', 'token', 'password', 'adminToken',
  '*.authorization', '*.cookie', '*.token', '*.password', '*["x-xsrftoken"]', '*["set-cookie"]',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-xsrftoken"]', 'req.headers["x-xsrf-token"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED, censor: '[redacted]' } });
}

/** A URL with the values of credential-bearing query parameters replaced. */
export function withoutSecrets(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  let changed = false;
  for (const name of SECRET_QUERY) {
    if (params.has(name)) {
      params.set(name, '[redacted]');
      changed = true;
    }
  }
  return changed ? `${url.slice(0, query)}?${params.toString()}` : url;
}

/**
 * What the request log keeps of each request and response: enough to follow a
 * request (method, path, status, client address, user agent), never a header
 * that could hold a credential.
 */
export const httpLogSerializers = {
  req: (req: IncomingMessage & { id?: unknown; originalUrl?: string }) => ({
    id: req.id,
    method: req.method,
    url: withoutSecrets(req.originalUrl ?? req.url ?? ''),
    remoteAddress: req.socket?.remoteAddress,
    userAgent: req.headers['user-agent'],
  }),
  res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
};
