/** Whether a database error is a unique (or primary) key refused: the same change made by someone else first. SQLite's codes, and PostgreSQL's 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Whether PostgreSQL gave up a transaction to let another go on: a deadlock (40P01) or a
 * serialization failure (40001). Nothing was written; the same request again may pass.
 */
export function isConcurrencyAbort(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Whether PostgreSQL refused text it cannot hold: a NUL character (22021, 22P05). SQLite keeps it. */
export function isUnstorableText(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}
