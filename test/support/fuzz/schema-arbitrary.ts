import fc from 'fast-check';
import type { JsonSchema } from './operations.js';

/**
 * Real values for a field, by its name (a workspace for `ws`, a reference for
 * `inputs`…), or undefined to use the schema alone. Valid-shaped values that
 * name nothing only ever reach the 404 at the top of a handler.
 */
export type Hint = (name: string, schema: JsonSchema) => fc.Arbitrary<unknown> | { only: fc.Arbitrary<unknown> } | undefined;

const MAX_DEPTH = 5;
const I32 = 2 ** 31 - 1;

/**
 * Valid-shaped values for a JSON Schema, as the OpenAPI document writes them
 * (TypeBox output: type, properties, required, const, anyOf, pattern, bounds,
 * additionalProperties, patternProperties, format). Sizes stay small: big
 * values are the mutations' job. `name` is the property being generated.
 */
export function fromSchema(schema: JsonSchema, hint: Hint, name = '', depth = 0): fc.Arbitrary<unknown> {
  // A constant (`type: "notebook"`) is what it is, whatever a field of that name holds elsewhere.
  const real = 'const' in schema || Array.isArray(schema.enum) ? undefined : hint(name, schema);
  if (real && 'only' in real) return real.only;
  const plain = bySchema(schema, hint, name, depth);
  return real ? fc.oneof({ weight: 5, arbitrary: real }, { weight: 1, arbitrary: plain }) : plain;
}

function bySchema(s: JsonSchema, hint: Hint, name: string, depth: number): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => fromSchema(a, hint, name, depth + 1)));
  const type = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : s.properties || s.patternProperties ? ['object'] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => bySchema({ ...s, type: t }, hint, name, depth)));
  switch (type[0]) {
    case 'string':
      return stringOf(s);
    case 'integer':
      return fc.integer({ min: bound(s.minimum, -I32), max: bound(s.maximum, I32) });
    case 'number':
      return fc.double({ min: bound(s.minimum, -1e6), max: bound(s.maximum, 1e6), noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema((s.items as JsonSchema | undefined) ?? {}, hint, name, depth + 1), {
        minLength: Math.min(Number(s.minItems ?? 0), 3),
        maxLength: Math.min(Number(s.maxItems ?? 3), 3),
      });
    case 'object':
      return objectOf(s, hint, name, depth);
    default:
      // An unconstrained value (`{}`): any small JSON.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(s: JsonSchema, hint: Hint, name: string, depth: number): fc.Arbitrary<unknown> {
  const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = (s.required ?? []) as string[];
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, schema] of Object.entries(properties)) shape[key] = fromSchema(schema, hint, key, depth + 1);
  const known = fc.record(shape, { requiredKeys: required.filter((k) => k in shape) });
  const patterned = Object.entries((s.patternProperties ?? {}) as Record<string, JsonSchema>);
  if (patterned.length > 0) {
    const [pattern, schema] = patterned[0]!;
    // Keys of a map such as `inputs` are names; values take the hint of the map itself.
    const key = /^\^\(\.\*\)\$$/.test(pattern) ? fc.stringMatching(/^[a-z]{1,8}$/) : stringOf({ pattern });
    return fc.tuple(known, fc.dictionary(key, fromSchema(schema, hint, name, depth + 1), { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a }));
  }
  if (s.additionalProperties === true || (s.additionalProperties === undefined && Object.keys(properties).length === 0)) {
    return fc.tuple(known, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a }));
  }
  return known;
}

function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const max = Math.min(Number(s.maxLength ?? 24), 24);
  const min = Math.min(Number(s.minLength ?? 0), max);
  if (s.format === 'date-time') return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
  if (typeof s.pattern === 'string') {
    const pattern = withoutLookarounds(s.pattern);
    try {
      return fc.stringMatching(new RegExp(pattern)).filter((v) => v.length <= Number(s.maxLength ?? Infinity) && v.length >= min);
    } catch {
      // A pattern fast-check cannot generate from: any short string, which the server must refuse politely.
    }
  }
  return fc.string({ minLength: min, maxLength: max });
}

/** fast-check cannot generate from lookaheads (`(?![0-9]+$)` in names); without them the value is only nearly valid, which is fine here. */
export function withoutLookarounds(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
      continue;
    }
    if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i)) {
      let level = 0;
      for (; i < pattern.length; i++) {
        if (pattern[i] === '\\') i++;
        else if (pattern[i] === '(') level++;
        else if (pattern[i] === ')' && --level === 0) break;
      }
      continue;
    }
    out += pattern[i];
  }
  return out;
}

function bound(value: unknown, fallback: number): number {
  return typeof value === 'number' ? Math.max(-I32, Math.min(I32, value)) : fallback;
}
