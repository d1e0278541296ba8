import type { Compilable, CompiledQuery, DialectAdapter } from 'kysely';
import type { Db } from './db.js';

/** Stands for one argument while a precompiled query is built: the compiled query's parameter where it lands is that argument. */
class Slot {
  constructor(readonly index: number) {}
}

interface Compiled<R> {
  query: CompiledQuery<R>;
  /** For each parameter of the compiled query, the argument it takes, or undefined for a constant of the query. */
  arguments: (number | undefined)[];
}

/**
 * A query built by Kysely and compiled once per dialect, then run with each
 * call's arguments in place of the first call's. On the hot paths (a save, a
 * get, authentication) building and compiling the query cost more than the
 * database's own work. `build` must use each argument only as a plain value
 * (compared, inserted, a limit), never to decide the query's shape.
 */
export function precompiled<A extends unknown[], R>(build: (db: Db, ...args: A) => Compilable<R>): (db: Db, ...args: A) => Promise<R[]> {
  const byDialect = new WeakMap<DialectAdapter, Compiled<R>>();
  return async (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let compiled = byDialect.get(adapter);
    if (!compiled) {
      const query = build(db, ...(args.map((_, i) => new Slot(i)) as A)).compile();
      compiled = { query, arguments: query.parameters.map((p) => (p instanceof Slot ? p.index : undefined)) };
      if (new Set(compiled.arguments.filter((a) => a !== undefined)).size !== args.length) throw new Error('a precompiled query must use every argument as a value');
      byDialect.set(adapter, compiled);
    }
    const { query, arguments: taken } = compiled;
    const parameters = query.parameters.map((p, i) => (taken[i] === undefined ? p : args[taken[i]!]));
    return (await db.executeQuery<R>({ ...query, parameters })).rows;
  };
}
