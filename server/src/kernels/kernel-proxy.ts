import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type Request, type Response } from 'express';
import type { Context } from '../domain/context.js';
import { requireKernelOwner, type Caller } from '../domain/permissions.js';
import { badRequest, conflict, forbidden, Problem, unauthorized } from '../errors.js';
import { callerOf } from '../http/authenticate.js';
import { readSmallBody } from '../http/small-body.js';
import { KERNEL_REQUEST_BYTES, requireShallow } from '../limits.js';
import { refuseUpgrade, sameOrigin, type UpgradeHandler } from '../http/upgrade.js';
import type { JupyterChild } from './jupyter-server.js';
import { KernelOwners } from './kernel-owners.js';

const KERNEL = /^\/api\/kernels\/([^/]+)/;
const SESSION = /^\/api\/sessions\/([^/]+)/;
const CHANNELS = /^\/api\/kernels\/([^/]+)\/channels$/;
/** What Jupyter's kernel and session APIs serve; anything else is refused here, never sent on. */
const FORWARDED_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];
/** Request headers the child needs; cookies and our credentials stay here. */
const FORWARDED = ['content-type', 'accept'];

/**
 * Jupyter's kernel, session and kernelspec APIs, passed to the Jupyter child
 * for signed-in users only: each kernel and session belongs to the user who
 * started it (lists show only one's own), and the child sees only its own
 * token, never the caller's cookie or token.
 */
export function kernelProxy(ctx: Context, jupyter: JupyterChild) {
  const owners = new KernelOwners();

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
    // `/api/kernels/` must be the list (filtered), not a redirect the child would answer unfiltered.
    url.pathname = url.pathname.replace(/\/+$/, '') || '/';
    const body = ['POST', 'PATCH', 'PUT'].includes(req.method) ? await readSmallBody(req, KERNEL_REQUEST_BYTES, 'Kernel and session requests') : undefined;
    // Parsed here so that what reaches the child is JSON within our limits, whatever the child would make of it.
    const sent = body ? parseJson(body) : undefined;
    if (sent !== undefined) requireShallow(sent, ctx.limits.jsonDepth, 'The request body');
    checkOwnership(caller, url.pathname, sent);
    const headers: Record<string, string> = { Authorization: `token ${jupyter.token}` };
    for (const name of FORWARDED) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name] as string;
    const upstream = await fetch(`${jupyter.url}${url.pathname}${url.search}`, { method: req.method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) })
      .catch(() => {
        throw new Problem(503, 'Code cells unavailable', 'The Jupyter server behind code cells is not answering; try again in a moment.');
      });
    if (upstream.status >= 300 && upstream.status < 400) throw refusedByJupyter(404, 'The Jupyter server answered with a redirect, which is not passed on.');
    const payload = Buffer.from(await upstream.arrayBuffer());
    if (!upstream.ok) throw refusedByJupyter(upstream.status, jupyterMessage(payload));
    const type = upstream.headers.get('content-type');
    if (type?.includes('json') && payload.length > 0) {
      res.type(type).status(upstream.status).send(JSON.stringify(record(caller, req.method, url.pathname, parseJson(payload.toString('utf8')))));
      return;
    }
    if (type) res.type(type);
    res.status(upstream.status).send(payload);
  }

  function checkOwnership(caller: Caller, path: string, body: unknown): void {
    const kernel = KERNEL.exec(path)?.[1];
    if (kernel) requireKernelOwner(caller, owners.kernel(kernel), 'kernel');
    const session = SESSION.exec(path)?.[1];
    if (session) requireKernelOwner(caller, owners.session(session), 'session');
    // A session may name an existing kernel to attach to: it must be the caller's too.
    if (body && path.startsWith('/api/sessions')) {
      const named = (body as { kernel?: { id?: string } } | null)?.kernel?.id;
      if (named) requireKernelOwner(caller, owners.kernel(named), 'kernel');
    }
  }

  /** Records what the caller just started, and keeps others' kernels and sessions out of lists. */
  function record(caller: Caller, method: string, path: string, json: unknown): unknown {
    type Item = { id: string; kernel?: { id: string } | null };
    if (path === '/api/kernels' && method === 'GET') return (json as Item[]).filter((k) => owners.kernel(k.id) === caller.id);
    if (path === '/api/sessions' && method === 'GET') return (json as Item[]).filter((s) => owners.session(s.id) === caller.id);
    if (path === '/api/kernels' && method === 'POST') owners.addKernel((json as Item).id, caller.id);
    if (path.startsWith('/api/sessions') && (method === 'POST' || method === 'PATCH')) {
      const session = json as Item;
      // jupyter_server answers a second session on a path with the first one: another user's is not handed out.
      const holder = owners.session(session.id);
      if (holder !== undefined && holder !== caller.id) throw conflict('Another user has a kernel session on this narrative; open your own copy to run its code.');
      owners.addSession(session.id, caller.id);
      if (session.kernel) owners.addKernel(session.kernel.id, caller.id);
    }
    return json;
  }

  /** Kernel channels: checked like any request, then bytes pass both ways once the child has switched protocols. */
  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const kernel = CHANNELS.exec(url.pathname)?.[1]!;
    url.searchParams.delete('token');
    callerOf(ctx, req as unknown as Request)
      .then((caller) => {
        if (!caller) throw unauthorized();
        if (req.headers.authorization === undefined && !sameOrigin(req)) throw forbidden(`A websocket from ${req.headers.origin} may not use this server's session cookie.`);
        requireKernelOwner(caller, owners.kernel(kernel), 'kernel');
        pipeToChild(req, socket, head, `${url.pathname}${url.search}`);
      })
      .catch((error: unknown) => refuseUpgrade(socket, error instanceof Problem ? error : new Problem(500, 'Internal server error', 'The kernel proxy failed.'), url.pathname));
  }

  /**
   * Sends the upgrade with the child's token and waits for its answer. Only a
   * 101 is passed on, without cookies; anything else closes both sides, so no
   * second request can ride the connection the token opened.
   */
  function pipeToChild(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): void {
    const target = new URL(jupyter.url);
    const upstream = connect(Number(target.port), target.hostname);
    const refuse = () => refuseUpgrade(socket, new Problem(502, 'Bad gateway', 'The kernel did not accept the connection.'), path);
    upstream.on('error', () => {
      upstream.destroy();
      refuse();
    });
    socket.on('close', () => upstream.destroy());
    upstream.once('connect', () => {
      const keep = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions'];
      const lines = [`GET ${path} HTTP/1.1`, `Host: ${target.host}`, `Authorization: token ${jupyter.token}`];
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
        // The child refusing the handshake (a malformed upgrade) is the request's fault, not ours.
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

/**
 * What the child refused, as our own problem: its 4xx keep their status, and its 5xx
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
