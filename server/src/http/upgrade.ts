import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Problem } from '../errors.js';

/** A browser always sends Origin on a websocket; it must name the host the request came to (directly or through a proxy). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = req.headers['x-forwarded-host'];
  return [req.headers.host, ...(typeof forwarded === 'string' ? forwarded.split(',').map((h) => h.trim()) : [])].includes(host);
}

/** Answers a websocket upgrade as plain HTTP with a problem document, then drops the socket. */
export function refuseUpgrade(socket: Duplex, problem: Problem, instance: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({
    type: 'about:blank', title: problem.title, status: problem.status, detail: problem.detail,
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
    instance,
  });
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(problem.status === 401 ? ['WWW-Authenticate: Bearer realm="narrative"'] : []),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
