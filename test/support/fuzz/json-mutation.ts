import fc from 'fast-check';
import { Big } from './hostile.js';

type Key = string | number;
type How = 'delete' | 'replace' | 'extra' | 'wrap';

/**
 * A mutation of a valid JSON body, anywhere in it: a field removed, a value
 * replaced by one of the wrong kind (or a Big one), an unknown field added,
 * a value wrapped in an array. Aiming at any depth is what puts 5,000 nested
 * arrays into a notebook's metadata rather than only at the top. The place is
 * drawn as a fraction of the body's places, so the mutation is generated
 * without knowing the body it will be applied to.
 */
export function jsonMutation(hostile: fc.Arbitrary<unknown>, keys: fc.Arbitrary<string>): fc.Arbitrary<(value: unknown) => unknown> {
  return fc
    .tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom<How>('replace', 'replace', 'delete', 'extra', 'wrap'), hostile, keys)
    .map(([where, how, bad, key]) => (value: unknown) => {
      const paths = pathsOf(value);
      return apply(value, paths[Math.floor(where * paths.length)]!, how, bad, key);
    });
}

/** Every place in a value (the root included), at most 200 of them, at most 8 deep. */
function pathsOf(value: unknown): Key[][] {
  const out: Key[][] = [];
  const walk = (v: unknown, path: Key[]) => {
    if (out.length >= 200) return;
    out.push(path);
    if (path.length >= 8 || v === null || typeof v !== 'object' || v instanceof Big) return;
    if (Array.isArray(v)) v.slice(0, 20).forEach((item, i) => walk(item, [...path, i]));
    else for (const [k, item] of Object.entries(v).slice(0, 40)) walk(item, [...path, k]);
  };
  walk(value, []);
  return out;
}

function apply(value: unknown, path: Key[], how: How, bad: unknown, key: string): unknown {
  // The valid value may be a shared hint (the world's notebook): never mutate it in place.
  const root = clone(value);
  if (path.length === 0) {
    if (how === 'wrap') return [root];
    if (how === 'extra' && isObject(root)) return { ...root, [key]: bad };
    return how === 'delete' ? {} : bad;
  }
  const parent = path.slice(0, -1).reduce<unknown>((v, k) => (v as Record<Key, unknown>)[k], root) as Record<Key, unknown> | unknown[];
  const last = path[path.length - 1]!;
  switch (how) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case 'replace':
      (parent as Record<Key, unknown>)[last] = bad;
      break;
    case 'wrap':
      (parent as Record<Key, unknown>)[last] = [(parent as Record<Key, unknown>)[last]];
      break;
    case 'extra': {
      const target = (parent as Record<Key, unknown>)[last];
      if (isObject(target)) target[key] = bad;
      else if (!Array.isArray(parent)) parent[key] = bad;
      else parent.push(bad);
    }
  }
  return root;
}

/** A deep copy that keeps Big values as they are (structuredClone would turn them into plain objects). */
function clone(v: unknown): unknown {
  if (v instanceof Big || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(clone);
  return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, clone(item)]));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Bodies that are not JSON, or JSON only by a lenient reading. */
export function brokenJsonText(marker: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '', ' ', '{', '}', '[', '{"a":', '{"a":1,}', '[1,]', "{'a':1}", '{a:1}', 'NaN', '{"a":NaN}', '{"a":Infinity}', '{"a":-Infinity}', '{"a":1e999}', '{"a":-1e999}',
      '{"a":01}', '{"a":.5}', '{"a":0x10}', '{"a":1}{"b":2}', '{"a":1} trailing', '// comment\n{}', '/* c */{}', '\ufeff{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}',
      '{"a":"\u0001\u0002"}', '{"a":"\\x41"}', '{"a":"unterminated', '{"a":1,"a":2}', '{"__proto__":{"admin":true}}', 'null', 'true', '0', '-0', '"string"', '[]',
      `{"name":"${marker}","name":"${marker}-2"}`, `{"${'a'.repeat(100_000)}":1}`, '{"a":' + '9'.repeat(5000) + '}', '{"a":1' + ' '.repeat(100_000) + '}',
    ),
    // Unclosed nesting: the parser must give up politely, not the stack.
    fc.constantFrom(1000, 5000, 100_000).map((n) => '['.repeat(n)),
    fc.constantFrom(1000, 5000).map((n) => '{"a":'.repeat(n)),
    fc.string({ unit: 'binary', maxLength: 60 }),
  );
}

/** Bytes that are not UTF-8 at all, or another encoding of JSON. */
export const brokenBytes: fc.Arbitrary<{ bytes: Uint8Array; note: string }> = fc.constantFrom(
  { bytes: Uint8Array.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), note: 'UTF-16LE {} with BOM' },
  { bytes: Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), note: 'invalid UTF-8 in a string' },
  { bytes: Uint8Array.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf]), note: 'overlong UTF-8' },
  { bytes: Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00]), note: 'a cut gzip header' },
  { bytes: Uint8Array.from([0x00, 0x00, 0x00, 0x00]), note: 'NUL bytes' },
  { bytes: Uint8Array.from([0xed, 0xa0, 0x80]), note: 'UTF-8 encoded surrogate' },
);
