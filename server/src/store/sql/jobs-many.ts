import { sql, type CompiledQuery, type DialectAdapter, type Updateable } from 'kysely';
import type { Db } from './db.js';
import type { Tables } from './tables.js';

/* Jobs written many at once (a bulk run's thousands): the chunks and the one statement of many moves. */

/**
 * Rows per multi-row statement: each row of jobs takes 19 parameters, of a move 13, of an
 * event 3, and SQLite takes at most 32,766 in one statement (PostgreSQL 65,535).
 */
export const JOBS_PER_INSERT = 500;
export const MOVES_PER_UPDATE = 500;
export const EVENTS_PER_INSERT = 2000;
/** Ids in one read: far below either database's limit on parameters. */
export const IDS_PER_READ = 1000;

export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size));
  return chunks;
}

/** The state columns a move sets (jobs.ts, toRow), in the order of its values after its id and expected state. */
const STATE_COLUMNS = ['state', 'scheduler_id', 'node', 'queue_reason', 'queue_position', 'started_at', 'ended_at', 'failure', 'outputs', 'result', 'verification'] as const;

/**
 * One UPDATE … FROM (VALUES …) for many compare-and-sets, each row its own: SQLite (3.33 on)
 * and PostgreSQL both take it, and both name a VALUES list's columns column1, column2, ….
 */
export async function updateMany(tx: Db, moves: readonly { id: number; expected: string; row: Updateable<Tables['jobs']> }[]): Promise<number[]> {
  const parameters = moves.flatMap(({ id, expected, row }) => [id, expected, ...STATE_COLUMNS.map((column) => row[column] ?? null)]);
  const result = await tx.executeQuery<{ id: number }>({ ...updateManyQuery(tx, moves.length), parameters });
  return result.rows.map((r) => r.id);
}

/**
 * The statement of `rows` moves, compiled once per dialect for a whole chunk: built from
 * fragments each time, it allocated more than the update itself cost (docs/benchmarks.md,
 * "bulk"). Its parameters are each move's id, expected state and state columns, in order.
 */
function updateManyQuery(tx: Db, rows: number): CompiledQuery<{ id: number }> {
  const adapter = tx.getExecutor().adapter;
  const kept = rows === MOVES_PER_UPDATE ? compiledUpdates.get(adapter) : undefined;
  if (kept) return kept;
  // PostgreSQL types a list of bare parameters as text, so the integer ones are cast.
  const integer = sql`cast(${null} as integer)`;
  const row = sql`(${sql.join([integer, sql`${null}`, ...STATE_COLUMNS.map((column) => (column === 'queue_position' ? integer : sql`${null}`))])})`;
  const set = sql.join(STATE_COLUMNS.map((column, i) => sql`${sql.ref(column)} = ${sql.ref(`moves.column${i + 3}`)}`));
  const query = sql<{ id: number }>`update jobs set ${set} from (values ${sql.join(Array<typeof row>(rows).fill(row))}) as moves
    where jobs.id = moves.column1 and jobs.state = moves.column2 returning jobs.id`.compile(tx);
  if (rows === MOVES_PER_UPDATE) compiledUpdates.set(adapter, query);
  return query;
}
const compiledUpdates = new WeakMap<DialectAdapter, CompiledQuery<{ id: number }>>();
