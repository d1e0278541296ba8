import fc from 'fast-check';
import { callerFor } from './callers.js';
import { draftFaults, type Draft, type Fault } from './faults.js';
import { hintFor, isDestructive, pathHint } from './hints.js';
import { validUpload, renderMultipart } from './multipart.js';
import type { Operation, Param } from './operations.js';
import { percent } from './percent.js';
import type { Payload, RequestSpec } from './request.js';
import { fromSchema } from './schema-arbitrary.js';
import type { World } from './world.js';

export interface FuzzContext {
  world: World;
  marker: string;
  canaryFile: string;
  limits: { jsonBytes: number; fileBytes: number };
}

/**
 * Every request the fuzzer sends for one operation: a valid request aimed at
 * the world's resources (a signed-in caller, real path values, schema-shaped
 * query and body), with usually one fault in it (now and then none, now and
 * then two). One fault at a time is what lets a huge `offset` reach the
 * database instead of being refused for an unrelated bad `type` beside it.
 */
export function requestArbitrary(op: Operation, c: FuzzContext): fc.Arbitrary<RequestSpec> {
  const faults = draftFaults(op, c);
  const fault: fc.Arbitrary<Fault> = fc.oneof(
    { weight: 12, arbitrary: faults },
    { weight: 2, arbitrary: fc.constant<Fault>((d) => d) },
    { weight: 1, arbitrary: fc.tuple(faults, faults).map(([f, g]): Fault => (d) => g(f(d))) },
  );
  return fc.tuple(validDraft(op, c), fault).map(([draft, f]) => render(op, f(draft)));
}

/** A request that should succeed (or fail only because the world says so: 403 for bob, 409 for a published workspace). */
export function validDraft(op: Operation, c: FuzzContext): fc.Arbitrary<Draft> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const hint = hintFor(op, c.world, c.marker);
  const path = pathParams.length > 0 ? fc.tuple(...pathParams.map((p) => validPathValue(op, p, c))) : fc.constant([] as string[]);
  const query = queryParams.length > 0 ? fc.tuple(...queryParams.map((p) => validQueryPair(p, hint))).map((pairs) => pairs.flat()) : fc.constant([] as [string, string][]);
  return fc.record({ caller: callerFor(op, 'signed-in'), path, query, body: validBody(op, c) }).map(({ caller, path: values, query: pairs, body }) => ({
    caller,
    method: op.method,
    path: pathParams.map((p, i) => ({ name: p.name, value: values[i]!, encoding: 'component' as const })),
    query: pairs,
    rawQuery: false,
    body: body.payload,
    headers: body.headers,
    intact: true,
  }));
}

function validPathValue(op: Operation, p: Param, c: FuzzContext): fc.Arbitrary<string> {
  const real = pathHint(op, c.world, p.name);
  // Destructive operations get no schema-shaped ids at all: a generated 1 may be the main narrative.
  if (isDestructive(op)) return real ?? fc.constant(`${c.marker}-none`);
  const shaped = fromSchema(p.schema, () => undefined, p.name).map(String);
  return real ? fc.oneof({ weight: 6, arbitrary: real }, { weight: 1, arbitrary: shaped }) : shaped;
}

function validQueryPair(p: Param, hint: ReturnType<typeof hintFor>): fc.Arbitrary<[string, string][]> {
  const value = fromSchema(p.schema, hint, p.name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const pair = value.map((v): [string, string][] => [[p.name, v]]);
  return p.required ? pair : fc.oneof(pair, fc.constant([] as [string, string][]));
}

function validBody(op: Operation, c: FuzzContext): fc.Arbitrary<{ payload: Payload; headers: Record<string, string | null> }> {
  if (!op.body) return fc.constant({ payload: { kind: 'none' }, headers: {} });
  const type = op.body.contentType;
  if (type === 'multipart/form-data') {
    return fc.nat({ max: 9999 }).map((n) => {
      const m = validUpload(c.marker, n);
      return { payload: { kind: 'bytes', bytes: renderMultipart(m), note: `a valid upload, ${m.parts.length} parts` }, headers: { 'Content-Type': m.contentType } };
    });
  }
  if (type !== 'application/json') {
    return fc.uint8Array({ minLength: 1, maxLength: 32 }).map((bytes) => ({ payload: { kind: 'bytes', bytes, note: 'random bytes' }, headers: { 'Content-Type': type } }));
  }
  return fromSchema(op.body.schema, hintFor(op, c.world, c.marker)).map((value) => ({ payload: { kind: 'json', value }, headers: { 'Content-Type': 'application/json' } }));
}

/** The request as sent. Only a whole, non-empty, percent-encoded path value surely still matches the route. */
export function render(op: Operation, d: Draft): RequestSpec {
  let url = op.template;
  let intact = d.intact && d.method === op.method;
  for (const p of d.path) {
    if (p.encoding !== 'component' || p.value === '') intact = false;
    url = url.replace(`{${p.name}}`, encodePath(p.value, p.encoding));
  }
  const query = d.query.map(([k, v]) => `${encodeQuery(k, d.rawQuery)}=${encodeQuery(v, d.rawQuery)}`).join('&');
  return { op: op.key, caller: d.caller, method: d.method, path: `${op.prefix}${url}`, query, headers: d.headers, body: d.body, intact };
}

const COMPONENT = /^[A-Za-z0-9\-_.!~*'()]$/;

/** A path value percent-encoded whole, per `/`-segment, or raw (only what Node refuses to send is escaped). */
function encodePath(value: string, how: Draft['path'][number]['encoding']): string {
  if (how === 'component') return percent(value, COMPONENT);
  if (how === 'segments') return value.split('/').map((s) => percent(s, COMPONENT)).join('/');
  return percent(value, /^[\u0021-\u007e]$/);
}

function encodeQuery(text: string, raw: boolean): string {
  return raw ? percent(text, /^[\u0021-\u0022\u0024-\u007e]$/) : percent(text, COMPONENT);
}
