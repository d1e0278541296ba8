import type { Request } from 'express';

/**
 * The server as this caller reached it: exports and publications name
 * objects, jobs and apps by their addresses there. The Host header is the
 * caller's text: one that makes no URL names nothing (and must not fail
 * the request), so it falls back to localhost.
 */
export function originOf(req: Request): string {
  const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return URL.canParse(origin) ? new URL(origin).origin : 'http://localhost';
}
