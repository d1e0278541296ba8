import { ServerResponse, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
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
export function refuseUpgrade(socket: Duplex, problem: Problem, instance: string, headers: string[] = []): void {
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
    ...headers,
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
    if (!/^websocket$/i.test(req.headers.upgrade ?? '')) return ignoreOffer(server, req, socket, head, pathname);
    const handler = handlers.find((h) => h.matches(pathname));
    if (!handler) return refuseUpgrade(socket, new Problem(404, 'Not found', `No websocket endpoint at ${pathname}.`), pathname);
    if (!/^[A-Za-z0-9+/]{22}==$/.test(req.headers['sec-websocket-key'] ?? '')) {
      return refuseUpgrade(socket, new Problem(400, 'Bad request', 'A websocket handshake needs a Sec-WebSocket-Key of 16 bytes in base64.'), pathname);
    }
    if (req.headers['sec-websocket-version'] !== '13') {
      return refuseUpgrade(socket, new Problem(426, 'Upgrade required', 'This server speaks websocket version 13.'), pathname, ['Sec-WebSocket-Version: 13']);
    }
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

/**
 * An upgrade offer other than a websocket (curl --http2 offers h2c) reaches the
 * upgrade listener, not the app, once one exists. The offer is declined by
 * answering the request as plain HTTP/1.1; one with a body is refused instead,
 * since Node no longer parses a body after an upgrade offer.
 */
function ignoreOffer(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer, pathname: string): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody) return refuseUpgrade(socket, new Problem(400, 'Bad request', `Upgrading to ${req.headers.upgrade} is not offered here; send the request without an Upgrade header.`), pathname);
  if (head.length > 0) socket.unshift(head);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  server.emit('request', req, res);
}
