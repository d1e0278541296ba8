import { sql, type RawBuilder } from 'kysely';
import type { LineagePage, LineageQuery, LinkRelation, Store, VersionKey } from '../store.js';
import type { Db } from './db.js';
import { precompiled } from './precompiled.js';

type LineageQueries = Pick<Store, 'lineagePage'>;

/**
 * Lineage: the versions reachable from one version over object_links, up
 * (ancestors) or down (descendants), walked by one recursive query keyed on
 * the version, so a version many paths reach is walked once. With a depth,
 * the walk carries each version's distance and keeps the shortest; without
 * one it carries none and each version is a single row, however the paths
 * to it differ in length. A page's versions, their names and types, and the
 * links from them come back from that same query.
 */
export function lineageQueries(db: Db): LineageQueries {
  return { lineagePage: (root, query) => page(db, root, query) };
}

interface Row {
  ref: string;
  /** Null on the extra rows that carry the root's links down when both sides are walked. */
  name: string | null;
  type: string | null;
  /** The ref at the other end of a link walked from this version; null without one. */
  far: string | null;
  /** Which end `far` is (1: the parent, 2: the child); only when both sides are walked, else the side says. */
  toward?: number | string | null;
  relation: string | null;
}

/** What decides the text of a page's query; the rest (the root, the depth, the cursor, the limit) are its parameters. */
interface Shape {
  direction: LineageQuery['direction'];
  deep: boolean;
  after: boolean;
}

/** The query's arguments, in the order its shape takes them: the root, the limit, then the depth and the cursor when the shape has them. */
type Arguments = number[];

/**
 * A page's query is built and compiled once per shape: for a 10,000-version
 * page compiling it cost a tenth of its run, for a small one more than the run.
 */
const byShape = new Map<string, (db: Db, ...args: Arguments) => Promise<Row[]>>();

async function page(db: Db, root: VersionKey, q: LineageQuery): Promise<LineagePage> {
  const shape: Shape = { direction: q.direction, deep: q.depth !== undefined, after: q.after !== undefined };
  const name = `${shape.direction}:${shape.deep}:${shape.after}`;
  let run = byShape.get(name);
  if (!run) byShape.set(name, (run = precompiled((_db: Db, ...args: Arguments) => queryOf(_db, shape, args))));
  const args = [root.wsid, root.objid, root.ver, q.limit + 1];
  if (q.depth !== undefined) args.push(q.depth);
  if (q.after) args.push(q.after.wsid, q.after.objid, q.after.ver);
  return pageOf(await run(db, ...args), q.limit, q.direction === 'both' ? undefined : q.direction === 'ancestors' ? 1 : 2);
}

/**
 * The query of one shape. Only what a page is made of comes back (each
 * column of 10,000 rows costs about a millisecond to hand over): the
 * version's ref, its name and type, and the link walked from it.
 */
function queryOf(db: Db, shape: Shape, args: Arguments): { compile: () => ReturnType<RawBuilder<Row>['compile']> } {
  const [wsid, objid, ver, limit] = args as [number, number, number, number];
  const depth = shape.deep ? args[4] : undefined;
  const afterAt = shape.deep ? 5 : 4;
  const root = { wsid, objid, ver };
  const sides = shape.direction === 'both' ? (['ancestors', 'descendants'] as const) : [shape.direction];
  const walks = sides.map((side) => walk(side, root, depth));
  const walked = sql.join(sides.map((side) => sql`select wsid, objid, ver, depth, ${sql.lit(side === 'ancestors' ? 1 : 0)} as up, ${sql.lit(side === 'ancestors' ? 0 : 1)} as down from ${sql.raw(side)}`), sql` union all `);
  const after = shape.after ? sql`where (wsid, objid, ver) > (${bigint(args[afterAt]!)}, ${bigint(args[afterAt + 1]!)}, ${bigint(args[afterAt + 2]!)})` : sql``;
  const within = depth === undefined ? sql`` : sql`and p.depth < ${depth}`;
  const on = (side: 'parent' | 'child', table: string) => sql.raw(`${table}.${side}_wsid = p.wsid and ${table}.${side}_objid = p.objid and ${table}.${side}_ver = p.ver`);
  // One row per version and link walked from it: up from an ancestor, down from a descendant. Only the root,
  // when both sides are walked, has links both ways: its links down come on rows of their own, not multiplied by those up.
  const up = shape.direction !== 'descendants';
  const down = shape.direction !== 'ancestors';
  const both = up && down;
  const far = both ? sql`coalesce(${refOf('a', 'parent_')}, ${refOf('d', 'child_')})` : up ? refOf('a', 'parent_') : refOf('d', 'child_');
  const rows = sql`
    select ${both ? sql`p.wsid, p.objid, p.ver, ` : sql``}${refOf('p', '')} as ref, o.name, v.type, ${far} as far,
      ${both ? sql`case when a.relation is not null then 1 when d.relation is not null then 2 end as toward,` : sql``}
      ${both ? sql`coalesce(a.relation, d.relation)` : sql.raw(up ? 'a.relation' : 'd.relation')} as relation
    from page p
    join objects o on o.wsid = p.wsid and o.objid = p.objid
    join object_versions v on v.wsid = p.wsid and v.objid = p.objid and v.ver = p.ver
    ${up ? sql`left join object_links a on p.up = 1 ${within} and ${on('child', 'a')}` : sql``}
    ${down ? sql`left join object_links d on p.up = 0 and p.down = 1 ${within} and ${on('parent', 'd')}` : sql``}
    ${both ? sql`union all
      select p.wsid, p.objid, p.ver, ${refOf('p', '')}, null, null, ${refOf('l', 'child_')}, 2, l.relation
      from page p join object_links l on ${on('parent', 'l')} where p.up = 1 and p.down = 1 ${within}` : sql``}`;
  const query = sql<Row>`
    with recursive ${sql.join(walks)},
    walked as (${walked}),
    page as (
      select wsid, objid, ver, min(depth) as depth, max(up) as up, max(down) as down from walked ${after}
      group by wsid, objid, ver order by wsid, objid, ver limit ${limit}
    )
    ${both ? sql`select ref, name, type, far, toward, relation from (${rows}) as r order by wsid, objid, ver` : sql`${rows} order by p.wsid, p.objid, p.ver`}`;
  return { compile: () => query.compile(db) };
}

/**
 * The recursive walk of one side, named after it. Keyed on the version
 * (and, with a depth, its distance, the shortest kept by the caller's
 * grouping); without a depth every row's distance is 0, so the union keeps
 * one row per version.
 */
function walk(side: 'ancestors' | 'descendants', root: VersionKey, depth: number | undefined): RawBuilder<unknown> {
  const [from, to] = side === 'ancestors' ? ['child', 'parent'] : ['parent', 'child'];
  const name = sql.raw(side);
  const step = depth === undefined ? sql`0` : sql`${name}.depth + 1`;
  const deeper = depth === undefined ? sql`` : sql`where ${name}.depth < ${depth}`;
  return sql`${name}(wsid, objid, ver, depth) as (
    select ${bigint(root.wsid)}, ${bigint(root.objid)}, ${bigint(root.ver)}, 0
    union
    select l.${sql.raw(to)}_wsid, l.${sql.raw(to)}_objid, l.${sql.raw(to)}_ver, ${step}
    from object_links l join ${name}
      on l.${sql.raw(from)}_wsid = ${name}.wsid and l.${sql.raw(from)}_objid = ${name}.objid and l.${sql.raw(from)}_ver = ${name}.ver
    ${deeper}
  )`;
}

/** The ref `wsid/objid/ver` of the version in `table`'s columns named with `prefix`, made by the database. */
function refOf(table: string, prefix: string): RawBuilder<string> {
  const column = (name: string) => sql.raw(`cast(${table}.${prefix}${name} as text)`);
  return sql<string>`${column('wsid')} || '/' || ${column('objid')} || '/' || ${column('ver')}`;
}

function keyOf(ref: string): VersionKey {
  const [wsid, objid, ver] = ref.split('/').map(Number) as [number, number, number];
  return { wsid, objid, ver };
}

function bigint(n: number): RawBuilder<number> {
  return sql<number>`cast(${n} as bigint)`;
}

/**
 * Rows to a page: the versions (all but the one past `limit`, which only
 * says more follow) and the links from them. The rows come in version
 * order, each version's rows together. `toward`: which end of every link
 * the far one is when one side was walked (1: the parent, 2: the child);
 * when both were, each row says.
 */
function pageOf(rows: Row[], limit: number, toward: 1 | 2 | undefined): LineagePage {
  const nodes: LineagePage['nodes'] = [];
  const links: LineagePage['links'] = [];
  let here = { ref: '', wsid: 0, name: '', type: '' };
  for (const r of rows) {
    if (r.ref !== here.ref) {
      // A link belongs to the version it was walked from: the one past the page's end brings its links on the next page.
      if (nodes.length === limit) return { nodes, links, next: keyOf(nodes[limit - 1]!.ref) };
      nodes.push((here = { ref: r.ref, wsid: Number(r.ref.slice(0, r.ref.indexOf('/'))), name: '', type: '' }));
    }
    if (r.name !== null) {
      here.name = r.name;
      here.type = r.type!;
    }
    if (r.far === null) continue;
    const relation = r.relation as LinkRelation;
    links.push((toward ?? Number(r.toward)) === 1 ? { from: r.far, to: r.ref, relation } : { from: r.ref, to: r.far, relation });
  }
  return { nodes, links, next: null };
}
