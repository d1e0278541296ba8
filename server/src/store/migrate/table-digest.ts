import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { TableShape } from './table-order.js';

/** A table's row count and the sha256 of its rows in key order: equal on both sides only when every value was copied as it was. */
export interface TableDigest {
  rows: number;
  sha256: string;
}

export function sqliteDigest(sqlite: Database.Database, table: TableShape): Promise<TableDigest> {
  const rows = sqlite.prepare(`select ${columnList(table.columns)} from ${quoted(table.name)} order by ${columnList(table.key)}`).iterate() as Iterable<Record<string, unknown>>;
  return digestOf(rows, table.columns);
}

export function postgresDigest(db: Kysely<unknown>, table: TableShape): Promise<TableDigest> {
  const any = db as Kysely<Record<string, Record<string, unknown>>>;
  let query = any.selectFrom(table.name).select(table.columns);
  for (const column of table.key) query = query.orderBy(column);
  return digestOf(query.stream(100), table.columns);
}

/** The same hash over either side's rows, read one at a time. */
async function digestOf(rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, columns: string[]): Promise<TableDigest> {
  const hash = createHash('sha256');
  let count = 0;
  for await (const row of rows) {
    hash.update(lineOf(row, columns));
    count++;
  }
  return { rows: count, sha256: hash.digest('hex') };
}

function lineOf(row: Record<string, unknown>, columns: string[]): string {
  return `${JSON.stringify(columns.map((c) => row[c] ?? null))}\n`;
}

export function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function columnList(columns: string[]): string {
  return columns.map(quoted).join(', ');
}
