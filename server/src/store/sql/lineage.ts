import { sql, type RawBuilder } from 'kysely';
import type { LineagePage, LineageQuery, LinkRecord, LinkRelation, Store, VersionKey } from '../store.js';
import type { Db } from './db.js';

type LineageQueries = Pick<Store, 'lineage' | 'lineagePage'>;

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
  const lineagePage = (root: VersionKey, query: LineageQuery) => page(db, root, query);
  return {
    lineagePage,
    async lineage(root, direction, depth) {
      const links: LinkRecord[] = [];
      let after: VersionKey | undefined;
      do {
        const found = await lineagePage(root, { direction, depth, limit: LINKS_PAGE, ...(after ? { after } : {}) });
        for (const l of found.links) links.push({ parent: keyOf(l.from), child: keyOf(l.to), relation: l.relation });
        after = found.next ?? undefined;
      } while (after);
      return links;
    },
  };
}

/** Versions per page when every link is wanted at once. */
const LINKS_PAGE = 50_000;

interface Row {
  wsid: number;
  objid: number;
  ver: number;
  ref: string;
  /** Null on the extra rows that carry the root's links down when both sides are walked. */
  name: string | null;
  type: string | null;
  /** The ref at the other end of a link walked from this version, and which end it is (1: the parent, 2: the child); null without one. */
  far: string | null;
  toward: number | null;
  relation: string | null;
}

async function page(db: Db, root: VersionKey, q: LineageQuery): Promise<LineagePage> {
  const sides = q.direction === 'both' ? (['ancestors', 'descendants'] as const) : [q.direction];
  const walks = sides.map((side) => walk(side, root, q.depth));
  const walked = sql.join(sides.map((side) => sql`select wsid, objid, ver, depth, ${sql.lit(side === 'ancestors' ? 1 : 0)} as up, ${sql.lit(side === 'ancestors' ? 0 : 1)} as down from ${sql.raw(side)}`), sql` union all `);
  const after = q.after ? sql`where (wsid, objid, ver) > (${bigint(q.after.wsid)}, ${bigint(q.after.objid)}, ${bigint(q.after.ver)})` : sql``;
  const within = q.depth === undefined ? sql`` : sql`and p.depth < ${q.depth}`;
  const on = (side: 'parent' | 'child', table: string) => sql.raw(`${table}.${side}_wsid = p.wsid and ${table}.${side}_objid = p.objid and ${table}.${side}_ver = p.ver`);
  // One row per version and link walked from it: up from an ancestor, down from a descendant. Only the root,
  // when both sides are walked, has links both ways: its links down come on rows of their own, not multiplied by those up.
  const up = q.direction !== 'descendants';
  const down = q.direction !== 'ancestors';
  const far = up && down ? sql`coalesce(${refOf('a', 'parent_')}, ${refOf('d', 'child_')})` : up ? refOf('a', 'parent_') : refOf('d', 'child_');
  const { rows } = await sql<Row>`
    with recursive ${sql.join(walks)},
    walked as (${walked}),
    page as (
      select wsid, objid, ver, min(depth) as depth, max(up) as up, max(down) as down from walked ${after}
      group by wsid, objid, ver order by wsid, objid, ver limit ${q.limit + 1}
    )
    select p.wsid, p.objid, p.ver, ${refOf('p', '')} as ref, o.name, v.type, ${far} as far,
      ${up && down ? sql`case when a.relation is not null then 1 when d.relation is not null then 2 end` : sql.lit(up ? 1 : 2)} as toward,
      ${up && down ? sql`coalesce(a.relation, d.relation)` : sql.raw(up ? 'a.relation' : 'd.relation')} as relation
    from page p
    join objects o on o.wsid = p.wsid and o.objid = p.objid
    join object_versions v on v.wsid = p.wsid and v.objid = p.objid and v.ver = p.ver
    ${up ? sql`left join object_links a on p.up = 1 ${within} and ${on('child', 'a')}` : sql``}
    ${down ? sql`left join object_links d on p.up = 0 and p.down = 1 ${within} and ${on('parent', 'd')}` : sql``}
    ${up && down ? sql`union all
      select p.wsid, p.objid, p.ver, ${refOf('p', '')}, null, null, ${refOf('l', 'child_')}, 2, l.relation
      from page p join object_links l on ${on('parent', 'l')} where p.up = 1 and p.down = 1 ${within}` : sql``}
    order by 1, 2, 3`.execute(db);
  return pageOf(rows, q.limit);
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
 * order, each version's rows together.
 */
function pageOf(rows: Row[], limit: number): LineagePage {
  const nodes: LineagePage['nodes'] = [];
  const links: LineagePage['links'] = [];
  let here = { ref: '', wsid: 0, name: '', type: '' };
  for (const r of rows) {
    if (r.ref !== here.ref) {
      // A link belongs to the version it was walked from: the one past the page's end brings its links on the next page.
      if (nodes.length === limit) return { nodes, links, next: keyOf(nodes[limit - 1]!.ref) };
      nodes.push((here = { ref: r.ref, wsid: Number(r.wsid), name: '', type: '' }));
    }
    if (r.name !== null) [here.name, here.type] = [r.name, r.type!];
    if (r.far === null) continue;
    const relation = r.relation as LinkRelation;
    links.push(Number(r.toward) === 1 ? { from: r.far, to: r.ref, relation } : { from: r.ref, to: r.far, relation });
  }
  return { nodes, links, next: null };
}
