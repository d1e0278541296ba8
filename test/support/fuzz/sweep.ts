import fc from 'fast-check';
import type { Planned } from './campaign.js';
import type { Draft } from './faults.js';
import { isDestructive } from './hints.js';
import { Big } from './hostile.js';
import type { Operation } from './operations.js';
import { render, validDraft, type FuzzContext } from './request-arbitrary.js';
import type { RequestSpec } from './request.js';
import { subSeed } from './seed.js';

/** Numbers each numeric parameter is sent, one at a time, with everything else valid. */
const EDGE_NUMBERS = ['1e20', '1e308', '1e309', '-1', '0', '-0', '0.5', '9007199254740993', '99999999999999999999', 'NaN', 'Infinity', '0x10', ' 1', '+1', '1e0', '1.0'];
/**
 * Of those, what no parameter of this API takes (every number in it is a
 * whole number from 0 or 1, within a bound, written in digits): the answer
 * must be a refusal, so that an id has one spelling and no store sees 1e20.
 */
const REFUSED = new Set(['1e20', '1e308', '1e309', '-1', '0.5', '9007199254740993', '99999999999999999999', 'NaN', 'Infinity', '0x10', ' 1', '+1', '1e0', '1.0']);
/** Values each top-level body field (and a notebook's metadata and cells) is replaced by, one at a time. */
const EDGE_VALUES: unknown[] = [
  new Big('deepArray', 5000), new Big('deepObject', 5000), 1e20, -1, null, [], {}, true, '', new Big('longString', 70_000),
  // Deep JSON inside a string, for fields the server parses again (a lab settings `raw`).
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
];
const EDGE_BODIES: unknown[] = [new Big('deepArray', 5000), new Big('deepObject', 5000), new Big('manyKeys', 20_000), 1e308, []];
/** Valid requests tried per operation to find one the server accepts. */
const PROBES = 8;

/**
 * The edges every run visits whatever its seed, so known classes of failure
 * (a huge offset reaching the database, deep nesting reaching a recursive
 * save, a write accepted that its read cannot return) never depend on luck.
 * For each operation: a valid request as alice that the server accepts
 * (found by probing a few seeded ones), then that request with each numeric
 * parameter set to each edge number, and each body field set to each edge
 * value, one change at a time; each write is followed by a read of the same path.
 */
export async function sweep(ops: Operation[], c: FuzzContext, seed: number, probe: (spec: RequestSpec) => Promise<number | undefined>): Promise<Planned[]> {
  const items: Planned[] = [];
  for (const op of ops) {
    if (isDestructive(op)) continue;
    const base = await acceptedDraft(op, c, subSeed(seed, `sweep ${op.key}`), probe);
    const read = op.method !== 'GET' ? ops.find((o) => o.method === 'GET' && o.prefix === op.prefix && o.template === op.template) : undefined;
    const add = (d: Draft, refused = false) => {
      const followUp = read ? render(read, { ...d, method: 'GET', query: [], rawQuery: false, body: { kind: 'none' }, headers: {} }) : undefined;
      items.push({ spec: render(op, d), origin: { op: op.key, seed: -1, runs: 0, index: items.length }, ...(followUp ? { followUp } : {}), ...(refused ? { refused } : {}) });
    };
    for (const p of op.params.filter((q) => q.schema.type === 'integer' || q.schema.type === 'number')) {
      for (const n of EDGE_NUMBERS) {
        if (p.in === 'query') add({ ...base, query: [...base.query.filter(([k]) => k !== p.name), [p.name, n]] }, REFUSED.has(n));
        else add({ ...base, path: base.path.map((v) => (v.name === p.name ? { ...v, value: n } : v)) }, REFUSED.has(n));
      }
    }
    if (base.body.kind !== 'json') continue;
    const body = base.body.value;
    for (const v of EDGE_BODIES) add({ ...base, body: { kind: 'json', value: v } });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) continue;
    const fields: string[][] = Object.keys(body).map((k) => [k]);
    const content = (body as Record<string, unknown>).content;
    if (op.template.startsWith('/contents') && typeof content === 'object' && content !== null) fields.push(['content', 'metadata'], ['content', 'cells']);
    for (const path of fields) for (const v of EDGE_VALUES) add({ ...base, body: { kind: 'json', value: setAt(body, path, v) } });
  }
  return items;
}

/** The first of a few seeded valid requests (as alice) that the server answers with a 2xx; else the first of them. */
async function acceptedDraft(op: Operation, c: FuzzContext, seed: number, probe: (spec: RequestSpec) => Promise<number | undefined>): Promise<Draft> {
  const drafts: Draft[] = [];
  fc.check(fc.property(validDraft(op, c), (d) => void drafts.push({ ...d, caller: 'alice' })), { seed, numRuns: PROBES });
  for (const d of drafts) {
    const status = await probe(render(op, d));
    if (status !== undefined && status >= 200 && status < 300) return d;
  }
  return drafts[0]!;
}

function setAt(value: object, path: string[], v: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path[path.length - 1]!] = v;
  return copy;
}
