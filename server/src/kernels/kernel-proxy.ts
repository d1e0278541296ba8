import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Request, type Response } from 'express';
import type { Context } from '../domain/context.js';
import { badRequest, forbidden, notFound, Problem, unauthorized } from '../errors.js';
import { callerOf } from '../http/authenticate.js';
import { readSmallBody } from '../http/small-body.js';
import { KERNEL_REQUEST_BYTES, requireShallow } from '../limits.js';
import { refuseUpgrade, sameOrigin, type UpgradeHandler } from '../http/upgrade.js';
import { askJupyter, connectJupyter, type JupyterAddress } from './jupyter-http.js';
import type { JupyterPool } from './jupyter-pool.js';
import { KernelCredentials } from './kernel-credentials.js';
import { isKernelId } from './kernel-id.js';
import { SpecCache } from './spec-cache.js';
import { unavailable } from './unavailable.js';

const CHANNELS = /^\/api\/kernels\/[^/]+\/channels$/;
const SPECS = /^\/(api\/)?kernelspecs(\/|$)/;
const LISTS = ['/api/kernels', '/api/sessions'];
/** What Jupyter's kernel and session APIs serve; anything else is refused here, never sent on. */
const FORWARDED_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
/** Request headers the user's server needs; cookies and our credentials stay here. */
const FORWARDED = ['content-type', 'accept'];
const noSuchKernel = () => notFound('There is no kernel or session of yours with that id.');

/**
 * Jupyter's kernel, session and kernelspec APIs for signed-in users, each sent to
 * the caller's own Jupyter server (jupyter-pool.ts), whoever owns the narrative
 * the kernel is for. What is whose follows from that: another user's kernel is
 * not in my server, so it is a 404 like any unknown id. A user's server sees only
 * its own token, never the caller's cookie or token.
 */
export function kernelProxy(ctx: Context, pool: JupyterPool) {
  const specs = new SpecCache();
  const credentials = new KernelCredentials(ctx);
  const router = express.Router();
  router.use(['/api/kernelspecs', '/kernelspecs', '/api/kernels', '/api/sessions'], (req, res, next) => {
    forward(req, res).catch(next);
  });

  async function forward(req: Request, res: Response): Promise<void> {
    const caller = await callerOf(ctx, req);
    if (!caller) throw unauthorized();
    if (!FORWARDED_METHODS.includes(req.method)) throw new Problem(405, 'Method not allowed', `The kernel and session APIs answer ${FORWARDED_METHODS.join(', ')}.`);
    const url = new URL(req.originalUrl, 'http://localhost');
    url.searchParams.delete('token');
    // One spelling of each list, so `/api/kernels/` is the list too, not a redirect.
    url.pathname = url.pathname.replace(/\/+$/, '') || '/';
    const path = `${url.pathname}${url.search}`;
    const body = ['POST', 'PATCH', 'PUT'].includes(req.method) ? await readSmallBody(req, KERNEL_REQUEST_BYTES, 'Kernel and session requests') : undefined;
    // Parsed here so that what reaches the user's server is JSON within our limits, whatever it would make of it.
    const sent = body ? parseJson(body) : undefined;
    if (sent !== undefined) requireShallow(sent, ctx.limits.jsonDepth, 'The request body');
    const spec = SPECS.test(url.pathname) && req.method === 'GET';
    const creates = req.method === 'POST' && LISTS.includes(url.pathname);
    // By path alone: the lab adds a time stamp to every GET against caches, and kernelspecs do not depend on it.
    const cached = spec ? specs.get(url.pathname) : undefined;
    const server = await pool.serverFor(caller, creates || (spec && !cached));
    if (!server) {
      if (cached) return void sendAnswer(res, 200, cached.type, cached.body);
      if (req.method === 'GET' && LISTS.includes(url.pathname)) return void res.json([]);
      throw noSuchKernel();
    }
    if (req.method !== 'GET') server.busyAt = Date.now();
    if (url.pathname.startsWith('/api/sessions')) await requireOwnKernel(server.jupyter, sent);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
    const answer = await askJupyter(server.jupyter, req.method, path, { headers, ...(body === undefined ? {} : { body: Buffer.from(body) }) }).catch(() => {
      throw unavailable();
    });
    if (answer.status >= 300 && answer.status < 400) throw refusedByJupyter(404, 'The Jupyter server answered with a redirect, which is not passed on.');
    if (answer.status < 200 || answer.status >= 400) throw refusedByJupyter(answer.status, jupyterMessage(answer.body));
    if (spec && answer.status === 200) specs.put(url.pathname, answer.type, answer.body);
    // Before the answer: the lab's first cell may run as soon as it has the session, and must find its credentials.
    await credentials.answered(caller, server, req, req.method, url.pathname, answer.body);
    sendAnswer(res, answer.status, answer.type, answer.body);
  }

  /**
   * A session may name a kernel to attach to. jupyter_server would start a new kernel
   * for an id it does not know; here an id that is not one of the caller's is a 404.
   */
  async function requireOwnKernel(jupyter: JupyterAddress, body: unknown): Promise<void> {
    const named = (body as { kernel?: { id?: unknown } } | null)?.kernel?.id;
    if (named === undefined || named === null) return;
    if (!isKernelId(named)) throw noSuchKernel();
    const found = await askJupyter(jupyter, 'GET', `/api/kernels/${encodeURIComponent(named)}`).catch(() => {
      throw unavailable();
    });
    if (found.status !== 200) throw noSuchKernel();
  }

  /** Kernel channels: checked like any request, then bytes pass both ways once the user's server has switched protocols. */
  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    url.searchParams.delete('token');
    callerOf(ctx, req as unknown as Request)
      .then(async (caller) => {
        if (!caller) throw unauthorized();
        if (req.headers.authorization === undefined && !sameOrigin(req)) throw forbidden(`A websocket from ${req.headers.origin} may not use this server's session cookie.`);
        const server = await pool.serverFor(caller, false);
        if (!server) throw noSuchKernel();
        // A renewal that fails leaves the token its remaining hours: no reason to refuse the connection.
        await credentials.connected(caller, url.pathname.split('/')[3] ?? '').catch(() => undefined);
        pipeToJupyter(server.jupyter, req, socket, head, `${url.pathname}${url.search}`);
      })
      .catch((error: unknown) => refuseUpgrade(socket, error instanceof Problem ? error : new Problem(500, 'Internal server error', 'The kernel proxy failed.'), url.pathname));
  }

  /**
   * Sends the upgrade with the server's token and waits for its answer. Only a
   * 101 is passed on, without cookies; anything else closes both sides, so no
   * second request can ride the connection the token opened.
   */
  function pipeToJupyter(jupyter: JupyterAddress, req: IncomingMessage, socket: Duplex, head: Buffer, path: string): void {
    const upstream = connectJupyter(jupyter);
    const refuse = () => refuseUpgrade(socket, unavailable('The kernel did not accept the connection.'), path);
    upstream.on('error', () => {
      upstream.destroy();
      refuse();
    });
    socket.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      const keep = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions'];
      const lines = [`GET ${path} HTTP/1.1`, 'Host: localhost', `Authorization: token ${jupyter.token}`];
      for (const name of keep) if (typeof req.headers[name] === 'string') lines.push(`${name}: ${(req.headers[name] as string).replace(/[\r\n]/g, '')}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let answer = Buffer.alloc(0);
    const onAnswer = (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (answer.length > 16 * 1024) upstream.destroy();
        return;
      }
      upstream.off('data', onAnswer);
      const headers = answer.subarray(0, end).toString('latin1').split('\r\n');
      if (!/^HTTP\/1\.1 101 /.test(headers[0] ?? '')) {
        upstream.destroy();
        // The server refusing the handshake (a malformed upgrade, an unknown kernel) is the request's fault, not ours.
        if (/^HTTP\/1\.1 404 /.test(headers[0] ?? '')) return refuseUpgrade(socket, noSuchKernel(), path);
        if (/^HTTP\/1\.1 4\d\d /.test(headers[0] ?? '')) return refuseUpgrade(socket, badRequest('The kernel refused this websocket handshake.'), path);
        return refuse();
      }
      socket.write(`${headers.filter((h) => !/^set-cookie:/i.test(h)).join('\r\n')}\r\n\r\n`);
      const rest = answer.subarray(end + 4);
      if (rest.length > 0) socket.write(rest);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    };
    upstream.on('data', onAnswer);
  }

  return {
    router,
    handler: { matches: (pathname: string) => CHANNELS.test(pathname), handle: onUpgrade } satisfies UpgradeHandler,
  };
}

function sendAnswer(res: Response, status: number, type: string | undefined, body: Buffer): void {
  if (type) res.type(type);
  res.status(status).send(body);
}

/**
 * What the user's server refused, as our own problem: its 4xx keep their status, and its 5xx
 * (which jupyter_server answers for requests it cannot handle, such as an unknown
 * kernel name or a session path it rejects) become 400, since the request caused them.
 */
function refusedByJupyter(status: number, message: string): Problem {
  return status >= 400 && status < 500 ? new Problem(status, 'Refused by Jupyter', message) : new Problem(400, 'Refused by Jupyter', message);
}

function jupyterMessage(payload: Buffer): string {
  const fallback = 'The Jupyter server refused this request.';
  try {
    const { message, reason } = JSON.parse(payload.toString('utf8')) as { message?: unknown; reason?: unknown };
    const text = typeof message === 'string' && message ? message : typeof reason === 'string' && reason ? reason : '';
    return text ? `The Jupyter server refused this request: ${text.slice(0, 500)}` : fallback;
  } catch {
    return fallback;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The request body is not JSON.');
  }
}
