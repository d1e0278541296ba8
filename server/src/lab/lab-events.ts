import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request } from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Context } from '../domain/context.js';
import { forbidden, Problem, unauthorized } from '../errors.js';
import { callerOf } from '../http/authenticate.js';
import { refuseUpgrade, sameOrigin, type UpgradeHandler } from '../http/upgrade.js';

const EVENTS_PATH = '/api/events/subscribe';

/**
 * Jupyter's event stream, which the lab subscribes to at start. This server
 * emits no Jupyter events (job events have their own stream), so a signed-in
 * subscriber gets an open, quiet socket rather than a refusal the lab would log as an error.
 */
export function labEvents(ctx: Context) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const open = new Set<WebSocket>();

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    callerOf(ctx, req as unknown as Request)
      .then((caller) => {
        if (!caller) throw unauthorized();
        if (req.headers.authorization === undefined && !sameOrigin(req)) throw forbidden(`A websocket from ${req.headers.origin} may not use this server's session cookie.`);
        wss.handleUpgrade(req, socket, head, (ws) => {
          open.add(ws);
          ws.on('error', () => ws.terminate());
          ws.once('close', () => open.delete(ws));
        });
      })
      .catch((error: unknown) => refuseUpgrade(socket, error instanceof Problem ? error : new Problem(500, 'Internal server error', 'The event stream failed.'), EVENTS_PATH));
  }

  return {
    handler: { matches: (pathname: string) => pathname === EVENTS_PATH, handle: onUpgrade } satisfies UpgradeHandler,
    subscribers: () => open.size,
    async close() {
      for (const ws of open) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
