import fc from 'fast-check';
import { callerFor } from './callers.js';
import { headerMutation, methodMutation } from './header-mutation.js';
import { isDestructive, protectedValues } from './hints.js';
import { hostileNumberText, hostileString, hostileValue } from './hostile.js';
import { brokenBytes, brokenJsonText, jsonMutation } from './json-mutation.js';
import { multipartArbitrary, renderMultipart } from './multipart.js';
import type { Operation, Param } from './operations.js';
import type { Payload } from './request.js';
import type { FuzzContext } from './request-arbitrary.js';
import type { CallerName } from './world.js';

/** A request before it is rendered: path values still separate, so a fault can replace one of them. */
export interface Draft {
  caller: CallerName;
  method: string;
  path: { name: string; value: string; encoding: 'component' | 'segments' | 'raw' }[];
  query: [string, string][];
  rawQuery: boolean;
  body: Payload;
  headers: Record<string, string | null>;
  intact: boolean;
}

export type Fault = (d: Draft) => Draft;

/**
 * One thing wrong with a valid request: the caller; one path value (hostile,
 * a number no store can hold, or a real value of another kind: a job id
 * where a narrative goes); one query value; extra or repeated parameters; the
 * body (mutated somewhere inside, replaced, not JSON, not UTF-8, the wrong
 * content type, a broken multipart); a header; the method.
 */
export function draftFaults(op: Operation, c: FuzzContext): fc.Arbitrary<Fault> {
  const hostile = hostileString(c.marker, c.canaryFile);
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const otherReal = fc.constantFrom(...new Set(Object.values(c.world.values).flat()));
  const faults: fc.WeightedArbitrary<Fault>[] = [
    { weight: 3, arbitrary: callerFor(op, 'any').map((caller): Fault => (d) => ({ ...d, caller })) },
    { weight: 1, arbitrary: headerMutation(op, c.marker).map((h): Fault => (d) => ({ ...d, headers: { ...d.headers, ...h.set }, intact: d.intact && h.intact })) },
    { weight: 1, arbitrary: methodMutation(op).map((method): Fault => (d) => ({ ...d, method })) },
    { weight: 1, arbitrary: queryExtras(queryParams, c.marker, hostile) },
    ...bodyFaults(op, c, hostile),
  ];
  if (pathParams.length > 0) {
    let value = fc.oneof({ weight: 4, arbitrary: hostile }, { weight: 2, arbitrary: hostileNumberText }, { weight: 1, arbitrary: otherReal });
    if (isDestructive(op)) value = value.filter(notProtected(c));
    const encoding = fc.constantFrom<Draft['path'][number]['encoding']>('component', 'component', 'component', 'segments', 'raw');
    faults.push({
      weight: 4,
      arbitrary: fc.tuple(fc.nat({ max: pathParams.length - 1 }), value, encoding).map(([i, v, how]): Fault => (d) => ({ ...d, path: d.path.map((p, j) => (j === i ? { ...p, value: v, encoding: how } : p)) })),
    });
  }
  if (queryParams.length > 0) {
    faults.push({
      weight: 4,
      arbitrary: fc.nat({ max: queryParams.length - 1 }).chain((i) => queryValue(queryParams[i]!, hostile).map((v): Fault => (d) => ({ ...d, query: [...d.query.filter(([k]) => k !== queryParams[i]!.name), [queryParams[i]!.name, v]] }))),
    });
  }
  return fc.oneof(...faults);
}

/** Numbers are where stores break (1e20 as an offset), so numeric parameters mostly get numbers no store can hold. */
function queryValue(p: Param, hostile: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const numeric = p.schema.type === 'integer' || p.schema.type === 'number';
  return fc.oneof({ weight: numeric ? 4 : 1, arbitrary: hostileNumberText }, { weight: numeric ? 1 : 4, arbitrary: hostile });
}

function queryExtras(params: Param[], marker: string, hostile: fc.Arbitrary<string>): fc.Arbitrary<Fault> {
  const names = params.map((p) => p.name);
  return fc.oneof(
    fc.tuple(fc.constantFrom(marker, '', 'a[b]', '__proto__', 'token', 'limit', 'offset'), hostile).map(([k, v]): Fault => (d) => ({ ...d, query: [...d.query, [k, v]] })),
    // The same parameter twice: Express hands the route an array.
    names.length > 0 ? fc.constantFrom(...names).map((k): Fault => (d) => ({ ...d, query: [...d.query, [k, '1'], [k, '2']] })) : fc.constant<Fault>((d) => ({ ...d, query: [...d.query, ['x', '1'], ['x', '2']] })),
    fc.constant<Fault>((d) => ({ ...d, rawQuery: true, query: d.query.map(([k, v]) => [k, `${v}%zz&#`]) })),
  );
}

function bodyFaults(op: Operation, c: FuzzContext, hostile: fc.Arbitrary<string>): fc.WeightedArbitrary<Fault>[] {
  const setBody = (payload: Payload, type?: string | null): Fault => (d) => ({ ...d, body: payload, headers: type === undefined ? d.headers : { ...d.headers, 'Content-Type': type } });
  const junk = fc.oneof(
    brokenJsonText(c.marker).map((text) => setBody({ kind: 'text', text }, 'application/json')),
    brokenBytes.map((b) => setBody({ kind: 'bytes', ...b }, 'application/json')),
  );
  if (!op.body) return [{ weight: 1, arbitrary: junk }];
  const type = op.body.contentType;
  if (type === 'multipart/form-data') {
    const multipart = multipartArbitrary(c.marker, hostile, c.limits.fileBytes, c.limits.jsonBytes);
    return [{ weight: 6, arbitrary: multipart.map((m) => setBody({ kind: 'bytes', bytes: renderMultipart(m), note: `multipart, ${m.parts.length} parts, ending ${m.ending}` }, m.contentType)) }];
  }
  if (type !== 'application/json') {
    const bytes = fc.oneof(
      fc.constantFrom(c.limits.fileBytes + 1, 1024).map((n) => ({ bytes: new Uint8Array(n).fill(0x62), note: `${n} bytes of b` })),
      fc.constant({ bytes: new Uint8Array(0), note: 'empty' }),
      fc.constant({ bytes: tarHeader(c.marker), note: 'a tar header naming ../ paths' }),
    );
    return [
      { weight: 3, arbitrary: bytes.map((b) => setBody({ kind: 'bytes', ...b })) },
      { weight: 1, arbitrary: fc.constantFrom<string | null>('application/json', 'text/plain', null, 'multipart/form-data').map((t): Fault => (d) => ({ ...d, headers: { ...d.headers, 'Content-Type': t } })) },
    ];
  }
  const keys = fc.oneof(fc.constantFrom(c.marker, '__proto__', 'constructor', '', 'extra', '$ref', 'id'), fc.string({ maxLength: 10 }));
  const mutation = jsonMutation(hostileValue(c.marker, c.canaryFile), keys);
  const contentType = fc.constantFrom<string | null>(null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/json; charset=bogus', 'application/problem+json', 'application/merge-patch+json', ';;;', 'application/json, text/plain', `application/${'x'.repeat(2000)}`);
  return [
    { weight: 7, arbitrary: mutation.map((m): Fault => (d) => (d.body.kind === 'json' ? { ...d, body: { kind: 'json', value: m(d.body.value) } } : d)) },
    { weight: 1, arbitrary: hostileValue(c.marker, c.canaryFile).map((value) => setBody({ kind: 'json', value })) },
    { weight: 2, arbitrary: junk },
    { weight: 2, arbitrary: contentType.map((t): Fault => (d) => ({ ...d, headers: { ...d.headers, 'Content-Type': t } })) },
  ];
}

/** A destructive operation must not be aimed at a main resource even by a hostile value: ' 1', '1e0' and 'x (1).ipynb' all name narrative 1. */
function notProtected(c: FuzzContext): (v: string) => boolean {
  const keep = protectedValues(c.world);
  return (v) => {
    const id = /\((\d+)\)\.ipynb$/.exec(v)?.[1];
    const asNumber = v.trim() === '' ? NaN : Number(v);
    return !keep.has(v) && !(id !== undefined && keep.has(id)) && !(Number.isFinite(asNumber) && keep.has(String(asNumber)));
  };
}

/** A 512-byte tar header for an entry named with `../` and the marker: an image push must not write it anywhere. */
function tarHeader(marker: string): Uint8Array {
  const header = Buffer.alloc(1024);
  header.write(`../../../${marker}-tar`, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write('00000000000\0', 124);
  header.write('ustar\0', 257);
  return header;
}
