import fc from 'fast-check';
import type { Operation } from './operations.js';
import type { Hint } from './schema-arbitrary.js';
import type { Pools, World } from './world.js';

/**
 * Operations that would use up what the rest of the run needs (publish a
 * workspace, delete a narrative, rename it, revoke a token): their targets are
 * the world's spare resources, never the main ones.
 */
const DESTRUCTIVE = [
  /^POST .*\/publish$/, /^DELETE .*\/narratives\/\{id\}$/, /^(DELETE|PATCH) .*\/contents\/\{path\}$/, /^DELETE .*\/tokens\/\{id\}$/,
  /^POST .*\/logout$/, /^DELETE \/api\/(kernels|sessions)\//, /\/deprecate$/,
  // Not destroying, but they would take bob's access or the public flag away from the main workspaces,
  // or make the main narrative public (and what anonymous callers may be told with it).
  /^PUT .*\/workspaces\/\{ws\}\/(permissions|public)$/, /^PUT .*\/narratives\/\{id\}\/share$/,
];

export function isDestructive(op: Operation): boolean {
  return DESTRUCTIVE.some((re) => re.test(op.key));
}

/** Which pool of real values a path parameter draws from: `id` means a different thing under each resource. */
export function poolOfParam(op: Operation, name: string): string {
  if (name === 'id') {
    const resource = /^\/(\w+)/.exec(op.template)?.[1];
    return ({ tokens: 'token', types: 'type', narratives: 'narrative', jobs: 'job', n: 'narrative' } as Record<string, string>)[resource ?? ''] ?? 'id';
  }
  if (op.template.startsWith('/apps/')) return ({ module: 'appModule', name: 'appName', version: 'appVersion' } as Record<string, string>)[name] ?? name;
  if (name === 'path') return 'contentsPath';
  return name;
}

/** Body and query fields by name → pool. Names are shared across endpoints on purpose: `ws` is a workspace everywhere. */
const FIELD_POOLS: Record<string, string> = {
  ws: 'ws', to: 'ws', user: 'user', type: 'type', sha256: 'sha256', inputs: 'ref', refs: 'ref', input: 'ref', app: 'appId',
  digest: 'digest', copy_from: 'contentsPath', path: 'contentsPath', ver: 'ver', version: 'appVersion',
};

/**
 * The hint for one operation: real values from the world's pools (or its
 * spares, for destructive operations), new names carrying the marker, and a
 * valid notebook for contents saves.
 */
export function hintFor(op: Operation, world: World, marker: string): Hint {
  const pools: Pools = isDestructive(op) ? world.spare : world.values;
  const from = (pool: string) => {
    const values = pools[pool] ?? [];
    return values.length > 0 ? fc.constantFrom(...values) : undefined;
  };
  const newName = fc.nat({ max: 999 }).map((n) => `${marker}-${n}`);
  return (name, schema) => {
    if (op.family === 'kernel') return name === 'id' ? from('kernel') : name === 'path' ? from('contentsPath') : undefined;
    // A notebook save's content is a notebook or nothing useful: no schema-shaped alternative.
    if (name === 'content' && op.template.startsWith('/contents')) return { only: fc.constant(world.notebook) };
    if (name === 'title') return fc.oneof(newName, fc.constant('Fz story'));
    if (name === 'name' || name === 'label') {
      if (op.template === '/login') return from('user');
      return schema.type === 'string' ? fc.oneof(newName, fc.constantFrom('fz-report', 'fz-main', 'alice')) : undefined;
    }
    if (name === 'password') return fc.constantFrom('alice-password-1', 'wrong-password');
    if (name === 'data' && op.template.endsWith('/objects')) return fc.constant({ title: `${marker} report` });
    if (name === 'id' && op.template === '/apps') return from('appId');
    const pool = FIELD_POOLS[name];
    return pool ? from(pool) : undefined;
  };
}

/** Real values for a path parameter (undefined: none; the schema and hostile values must do). */
export function pathHint(op: Operation, world: World, name: string): fc.Arbitrary<string> | undefined {
  const pools: Pools = isDestructive(op) ? world.spare : world.values;
  const values = pools[poolOfParam(op, name)] ?? [];
  return values.length > 0 ? fc.constantFrom(...values) : undefined;
}

/** Every real main value, which a destructive operation must not be aimed at even by chance (a generated id of 1). */
export function protectedValues(world: World): Set<string> {
  return new Set(Object.values(world.values).flat());
}
