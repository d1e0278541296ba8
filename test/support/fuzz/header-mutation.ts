import fc from 'fast-check';
import type { Operation } from './operations.js';

/** Headers to add or override, and whether the request still carries its caller's own credentials. */
export interface HeaderChange {
  set: Record<string, string | null>;
  intact: boolean;
}

/** Authorization values that are no credentials at all: each must be a 401, never anonymous. */
export function malformedAuthorization(marker: string): string[] {
  return ['Bearer', 'Bearer  ', 'Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQtMQ==', 'Bearer a b', 'bearer nrt_x', 'Token', `Bearer nrt_${marker}`, `Bearer ${'A'.repeat(8000)}`, 'Negotiate YII=', 'token ', 'Bearer nrt_../../x', 'Bearer "nrt_x"'];
}

/**
 * Header mutations, now and then: odd Accept and encodings, byte ranges,
 * conditional requests, forwarded hosts, a foreign Origin, and broken
 * Authorization headers. Values stay within what Node will send; control
 * characters in headers go over raw sockets (transport.ts).
 */
export function headerMutation(op: Operation, marker: string): fc.Arbitrary<HeaderChange> {
  const keep = (set: Record<string, string>): HeaderChange => ({ set, intact: true });
  return fc.oneof(
    { weight: 30, arbitrary: fc.constant(keep({})) },
    { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml', '', 'application/problem+json;q=0', `${'a/b,'.repeat(500)}c/d`).map((v) => keep({ Accept: v })) },
    { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-bogus', 'gzip, gzip').map((v) => keep({ 'Content-Encoding': v })) },
    { weight: 1, arbitrary: fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=99999999-', 'bytes=1-0', 'bytes=0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1,0-1', 'items=0-1', 'bytes=--').map((v) => keep({ Range: v })) },
    { weight: 1, arbitrary: fc.constantFrom('*', 'W/"x"', '"', `"${'x'.repeat(5000)}"`).map((v) => keep({ 'If-None-Match': v, 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })) },
    { weight: 1, arbitrary: fc.constantFrom('evil.example', `${marker}.example:1`, '[::1]', 'a b', '').map((v) => keep({ 'X-Forwarded-Host': v, 'X-Forwarded-Proto': 'javascript', 'X-Forwarded-For': v })) },
    { weight: 1, arbitrary: fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1:1').map((v) => keep({ Origin: v })) },
    // Node answers an unknown expectation itself (417) before any route: no statement about credentials then.
    { weight: 1, arbitrary: fc.constantFrom('100-continue', 'x-bogus').map((v): HeaderChange => ({ set: { Expect: v }, intact: v === '100-continue' })) },
    { weight: 1, arbitrary: fc.constantFrom(`narrative_session=${marker}; _xsrf=x`, 'narrative_session=%', `narrative_session=${'a'.repeat(5000)}`).map((v) => keep({ Cookie: v })) },
    { weight: 2, arbitrary: fc.constantFrom(...malformedAuthorization(marker)).map((v): HeaderChange => ({ set: { Authorization: v }, intact: op.family !== 'lab' || !op.anonymous })) },
  );
}

/**
 * The operation's own method, or now and then one that only reads (an
 * unrouted method must be a clean 404). Never a writing one: a DELETE sent
 * to a GET's real narrative would delete the narrative the rest of the run needs.
 */
export function methodMutation(op: Operation): fc.Arbitrary<string> {
  const others = ['GET', 'OPTIONS', 'PROPFIND', 'TRACE', 'M-SEARCH'].filter((m) => m !== op.method);
  return fc.oneof({ weight: 30, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...others) });
}
