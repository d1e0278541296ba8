import type Database from 'better-sqlite3';

/** One table of the SQLite schema as the copy sees it. */
export interface TableShape {
  name: string;
  /** Every column, in the table's order. */
  columns: string[];
  /** The primary key's columns, in key order: the order rows are compared in. */
  key: string[];
  /** The column of an auto-increment key, whose sequence PostgreSQL must move past the copied ids. */
  serial: string | null;
}

/**
 * The data tables of an SQLite store (not Kysely's migration records), parents
 * before the tables that refer to them, so rows can be copied with every
 * foreign key checked as they arrive.
 */
export function tablesInCopyOrder(sqlite: Database.Database): TableShape[] {
  const names = (sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name").all() as { name: string }[]).map((r) => r.name);
  const shapes = new Map<string, TableShape>();
  const parents = new Map<string, Set<string>>();
  for (const name of names) {
    const info = sqlite.prepare(`select name, pk from pragma_table_info(?) order by cid`).all(name) as { name: string; pk: number }[];
    const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const autoIncrement = (sqlite.prepare("select sql from sqlite_master where name = ?").get(name) as { sql: string }).sql.toLowerCase().includes('autoincrement');
    shapes.set(name, { name, columns: info.map((c) => c.name), key, serial: autoIncrement && key.length === 1 ? key[0]! : null });
    const refs = sqlite.prepare('select "table" from pragma_foreign_key_list(?)').all(name) as { table: string }[];
    parents.set(name, new Set(refs.map((r) => r.table).filter((t) => t !== name)));
  }
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  while (ordered.length < names.length) {
    const ready = names.filter((n) => !placed.has(n) && [...parents.get(n)!].every((p) => placed.has(p)));
    if (ready.length === 0) throw new Error(`the tables' foreign keys form a cycle: ${names.filter((n) => !placed.has(n)).join(', ')}`);
    for (const n of ready) {
      placed.add(n);
      ordered.push(shapes.get(n)!);
    }
  }
  return ordered;
}
