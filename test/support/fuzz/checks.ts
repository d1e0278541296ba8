import { isAnonymous } from './callers.js';
import type { Operation } from './operations.js';
import type { RequestSpec } from './request.js';
import type { Outcome } from './sender.js';

export type ViolationKind = 'crash' | 'no-answer' | '5xx' | 'not-problem' | 'auth' | 'read-traversal' | 'leak' | 'unexpected' | 'logged-error';

export interface Violation {
  kind: ViolationKind;
  detail: string;
}

/** What anyone may read in full (the type catalog): that something is not in it tells no secret. */
const PUBLIC_CATALOG = /^\/types\b/;

/** Bodies this large may be cut off by a server that answered early (a 401, a 413) before reading them: a reset then is not a missing answer. */
export const RESET_TOLERATED_BYTES = 64 * 1024;

export interface CheckContext {
  op: Operation;
  /** The text of a file outside the data directory: a response holding it read through a traversal. */
  canary: string;
  /** The server's data directory: internal paths do not belong in answers. */
  dataDir: string;
  /** Path values naming public workspaces: anyone may learn what they hold, and what they do not (a 404). */
  publicValues: Set<string>;
}

/**
 * What every answer must satisfy, whatever was sent: an answer at all; never
 * a 5xx; on /api/v1, every 4xx a problem document (RFC 9457); no credentials
 * (a bad token, or none where the operation needs one) answered with anything
 * but 401; no file contents from outside the data directory; no stack traces.
 */
export function checkOutcome(spec: RequestSpec, outcome: Outcome, c: CheckContext): Violation[] {
  if (outcome.error !== undefined || outcome.status === undefined) return [{ kind: 'no-answer', detail: outcome.error ?? 'no status' }];
  const out: Violation[] = [];
  const status = outcome.status;
  if (status >= 500) out.push({ kind: '5xx', detail: `${status}` });
  if (spec.path.startsWith('/api/v1') && status >= 400 && status < 500 && !fromHttpParser(outcome)) {
    const problem = problemError(status, outcome);
    if (problem) out.push({ kind: 'not-problem', detail: problem });
  }
  // Pages and files anyone may fetch (the lab's bundle, the sign-in page) do not look at credentials at all;
  // nor does Node's parser, which refuses a head it cannot read or hold before any credential is looked at.
  const credentialsMatter = (c.op.family === 'api' || !c.op.anonymous) && !fromHttpParser(outcome);
  if (spec.intact && credentialsMatter && status !== 401 && status < 500) {
    const overridden = spec.headers.Authorization !== undefined && spec.headers.Authorization !== null;
    if (overridden || spec.caller === 'bogus') out.push({ kind: 'auth', detail: `a bad Authorization header was answered ${status}, not 401` });
    else if (isAnonymous(spec.caller) && !c.op.anonymous) out.push({ kind: 'auth', detail: `an anonymous caller was answered ${status}, not 401` });
    // docs/api.md: anonymous callers get 401 where others get 403, and 401 (not 404) for what does not exist, so nothing's existence leaks.
    else if (isAnonymous(spec.caller) && c.op.family === 'api' && (status === 403 || (status === 404 && !namesPublic(spec.path, c.publicValues) && !PUBLIC_CATALOG.test(c.op.template)))) out.push({ kind: 'auth', detail: `an anonymous caller was answered ${status}, not 401` });
  }
  if (outcome.body.includes(c.canary)) out.push({ kind: 'read-traversal', detail: 'the answer holds a file from outside the data directory' });
  if (/\n\s+at [^\n]+\.[cm]?js:\d+/.test(outcome.body)) out.push({ kind: 'leak', detail: 'the answer holds a stack trace' });
  else if (outcome.body.includes(c.dataDir)) out.push({ kind: 'leak', detail: 'the answer names the data directory' });
  return out;
}

/**
 * Node's HTTP parser answers a message it cannot read (400) or whose head is
 * too large (431) itself, bare, before any route: there is no API request to
 * answer with a problem document then. Anything else bare is the server's.
 */
function fromHttpParser(outcome: Outcome): boolean {
  return (outcome.status === 400 || outcome.status === 431) && outcome.headers['content-type'] === undefined && outcome.body === '';
}

function namesPublic(path: string, publicValues: Set<string>): boolean {
  return path.split('/').some((segment) => {
    try {
      return publicValues.has(decodeURIComponent(segment));
    } catch {
      return false;
    }
  });
}

/** Why this 4xx is not a problem document, or null if it is one. */
function problemError(status: number, outcome: Outcome): string | null {
  const type = outcome.headers['content-type'] ?? '';
  if (!type.startsWith('application/problem+json')) return `content type ${JSON.stringify(type)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(outcome.body) as Record<string, unknown>;
  } catch {
    return 'the body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'the body is not an object';
  for (const field of ['type', 'title', 'detail'] as const) if (typeof body[field] !== 'string') return `no string "${field}"`;
  if (body.status !== status) return `"status" ${JSON.stringify(body.status)} is not the response's ${status}`;
  return null;
}

/**
 * The same rules for a request sent over a raw socket, where some answers are
 * not owed (a client that hung up) and some come from Node's HTTP parser
 * before any route (a bare 400 for a malformed message, with no body to
 * format): those are held only to "not a 5xx".
 */
export function checkTransport(path: string, owed: boolean, bodyBytes: number, outcome: Outcome, canary: string): Violation[] {
  if (outcome.status === undefined) {
    // A server that refuses early (401, 413) may close while a large body is still being written: the answer is lost in transit.
    const lostInTransit = bodyBytes > RESET_TOLERATED_BYTES && /EPIPE|ECONNRESET/.test(outcome.error ?? '');
    return owed && !lostInTransit ? [{ kind: 'no-answer', detail: outcome.error ?? 'closed without an answer' }] : [];
  }
  const out: Violation[] = [];
  if (outcome.status >= 500) out.push({ kind: '5xx', detail: `${outcome.status}` });
  if (path.startsWith('/api/v1') && outcome.status >= 400 && outcome.status < 500 && !fromHttpParser(outcome)) {
    const problem = problemError(outcome.status, outcome);
    if (problem) out.push({ kind: 'not-problem', detail: problem });
  }
  if (outcome.body.includes(canary)) out.push({ kind: 'read-traversal', detail: 'the answer holds a file from outside the data directory' });
  return out;
}
