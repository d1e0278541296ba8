import { withoutSecrets } from '../logging.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Context } from '../domain/context.js';
import { jobDirOf } from '../domain/jobs/run.js';
import { badRequest, forbidden, Problem, unauthorized } from '../errors.js';
import { API_PREFIX } from './app.js';
import { callerOf } from './authenticate.js';
import { authorize } from './authorize.js';
import { JobFollowers } from './job-follower.js';
import { refuseUpgrade as refuse, sameOrigin, type UpgradeHandler } from './upgrade.js';

const STREAM_PATH = new RegExp(`^${API_PREFIX}/jobs/([^/]+)/stream$`);
const QUERY_KEYS = ['afterEvent', 'afterLine'] as const;
/** How long a client gets to answer the server's close frame at shutdown before its socket is cut. */
const SHUTDOWN_GRACE_MS = 500;

/**
 * `GET /api/v1/jobs/{id}/stream?afterEvent=<seq>&afterLine=<n>` as a
 * websocket, on the HTTP server's `upgrade` event. The caller is identified
 * as for REST (Authorization header, or the session cookie browsers send,
 * never a token in the URL) and needs read access to the job's workspace,
 * decided by `authorize`; a refusal is answered as HTTP with a problem
 * document. Not in the OpenAPI document: it is no REST operation.
 */
export function jobStreams(ctx: Context, logger: Logger): { handler: UpgradeHandler; subscribers(): number; close(): Promise<void> } {
  // Clients only listen: a small message limit keeps what they send from costing memory.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const followers = new JobFollowers(ctx, logger);
  const open = new Set<WebSocket>();
  let closing = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = STREAM_PATH.exec(url.pathname);
    if (!match) return refuse(socket, new Problem(404, 'Not found', `No websocket endpoint at ${url.pathname}.`), url.pathname);
    if (closing) return refuse(socket, new Problem(503, 'Service unavailable', 'The server is shutting down.'), url.pathname);
    accept(req, url, match[1]!).then(
      (spec) => {
        if (closing) return refuse(socket, new Problem(503, 'Service unavailable', 'The server is shutting down.'), url.pathname);
        wss.handleUpgrade(req, socket, head, (ws) => {
          ws.on('error', (error) => logger.debug({ err: error }, 'job stream error'));
          open.add(ws);
          ws.once('close', () => open.delete(ws));
          followers.follow(ws, spec);
        });
      },
      (error: unknown) => {
        if (!(error instanceof Problem)) logger.error({ err: error, url: withoutSecrets(req.url ?? '') }, 'job stream refused by a failure');
        refuse(socket, error instanceof Problem ? error : new Problem(500, 'Internal server error', 'The server failed; the error is logged.'), url.pathname);
      },
    );
  };

  /** Who is asking, whether they may read the job, and from which positions: the follow spec, or a Problem. */
  async function accept(req: IncomingMessage, url: URL, idText: string) {
    // callerOf reads only the headers and method, which an upgrade request has like any other.
    const asExpress = req as unknown as Request;
    const caller = await callerOf(ctx, asExpress);
    if (!/^[1-9][0-9]{0,15}$/.test(idText) || !Number.isSafeInteger(Number(idText))) {
      throw caller ? badRequest(`"${idText}" is not a job id.`) : unauthorized();
    }
    // SameSite stops other sites, not other origins of this site (another port on this host): a cookie must come from our own pages.
    if (caller && req.headers.authorization === undefined && !sameOrigin(req)) {
      throw forbidden(`A websocket from ${req.headers.origin} may not use this server's session cookie.`);
    }
    const access = { kind: 'job', level: 'read', job: Number(idText) } as const;
    await authorize(ctx, caller, access);
    const positions = parsePositions(url.searchParams);
    const jobDir = ctx.execution ? jobDirOf(ctx.execution, access.job) : null;
    return {
      jobId: access.job,
      ...positions,
      jobDir,
      recheck: async () => void (await authorize(ctx, await callerOf(ctx, asExpress), access)),
    };
  }

  return {
    handler: { matches: (pathname) => STREAM_PATH.test(pathname), handle: onUpgrade },
    subscribers: () => open.size,
    /** Ends every stream (1001: going away) so that closing the HTTP server does not wait on them. */
    async close() {
      closing = true;
      await followers.stop();
      await Promise.all([...open].map(async (ws) => {
        ws.close(1001, 'server shutting down');
        await new Promise<void>((resolve) => {
          const cut = setTimeout(() => ws.terminate(), SHUTDOWN_GRACE_MS);
          ws.once('close', () => resolve(clearTimeout(cut)));
          if (ws.readyState === ws.CLOSED) resolve(clearTimeout(cut));
        });
      }));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Only `afterEvent` and `afterLine`, as whole numbers: anything else (a `token`, say) is refused, not ignored. */
function parsePositions(query: URLSearchParams): { afterEvent: number; afterLine: number } {
  const positions = { afterEvent: 0, afterLine: 0 };
  for (const key of new Set(query.keys())) {
    const known = QUERY_KEYS.find((k) => k === key);
    if (!known) throw badRequest(`Unknown query parameter "${key}": the stream takes afterEvent and afterLine.`, [{ path: `/query/${key}`, message: 'is not allowed' }]);
    const values = query.getAll(key);
    if (values.length !== 1 || !/^[0-9]{1,15}$/.test(values[0]!)) {
      throw badRequest(`${key} must be one whole number.`, [{ path: `/query/${key}`, message: 'must be a non-negative integer' }]);
    }
    positions[known] = Number(values[0]);
  }
  return positions;
}
