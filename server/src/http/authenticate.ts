import type { Request } from 'express';
import type { Context } from '../domain/context.js';
import type { Caller } from '../domain/permissions.js';
import { authenticate } from '../domain/users.js';
import { forbidden, unauthorized } from '../errors.js';
import { API_PREFIX } from './app.js';
import { parseCookies, SESSION_COOKIE, XSRF_COOKIE } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller of a request: from `Authorization: Bearer <token>` (or Jupyter's
 * `token <token>`), else from the browser's session cookie, else anonymous.
 * A bad Authorization header is refused; a session cookie that no longer
 * checks out (expired, revoked, from a reset server) counts as anonymous.
 * Cookie-authenticated unsafe requests must echo the XSRF cookie in a header.
 */
export async function callerOf(ctx: Context, req: Request, use: { cookie: boolean } = { cookie: true }): Promise<Caller | null> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^(?:Bearer|token)\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized('Malformed Authorization header: use "Bearer <token>".');
    const caller = await authenticate(ctx, match[1]!);
    // A kernel's token is for the REST API, where authorize() narrows it; the lab's state and the kernels themselves are not its to reach.
    if (caller.scope && !isRestApi(req)) throw forbidden(`A kernel's token is for ${API_PREFIX} only.`);
    return caller;
  }
  const cookies = parseCookies(req.headers.cookie);
  const session = use.cookie ? cookies.get(SESSION_COOKIE) : undefined;
  if (session === undefined) return null;
  const caller = await authenticate(ctx, session).catch(() => null);
  // A kernel's token is never a session: sent as the cookie, it would pass the REST-only check above.
  if (caller?.scope) throw forbidden(`A kernel's token is for ${API_PREFIX} only, in the Authorization header.`);
  if (caller && !SAFE_METHODS.has(req.method)) {
    const xsrf = cookies.get(XSRF_COOKIE);
    if (!xsrf || req.headers['x-xsrftoken'] !== xsrf) throw forbidden('Missing or wrong X-XSRFToken header for a cookie-authenticated request.');
  }
  return caller;
}

function isRestApi(req: Request): boolean {
  const path = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost').pathname;
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}
