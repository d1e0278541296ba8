import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { Problem } from '../errors.js';

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

/** One websocket endpoint: the paths it owns and what it does with an upgrade to one. */
export interface UpgradeHandler {
  matches(pathname: string): boolean;
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * The server's one `upgrade` listener: every upgraded socket gets an error
 * listener first (Node drops its own, and a client's reset would otherwise
 * crash the process), goes to the handler that owns its path, or is refused
 * with 404, never left hanging. Upgraded sockets are no longer the HTTP
 * server's to close, so they are kept here and destroyed at shutdown.
 */
export function dispatchUpgrades(server: Server, handlers: UpgradeHandler[], logger: Logger): { detach(): void; destroyAll(): void } {
  const sockets = new Set<Duplex>();
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug({ err: error }, 'websocket upgrade socket error'));
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = handlers.find((h) => h.matches(pathname));
    if (!handler) return refuseUpgrade(socket, new Problem(404, 'Not found', `No websocket endpoint at ${pathname}.`), pathname);
    handler.handle(req, socket, head);
  };
  server.on('upgrade', listener);
  return {
    detach: () => server.off('upgrade', listener),
    destroyAll: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
