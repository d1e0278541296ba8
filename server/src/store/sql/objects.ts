import { sql } from 'kysely';
import type { ObjectSummary } from '../../schemas/api.js';
import type { Provenance } from '../../schemas/provenance.js';
import { StaleVersionError, type LatestFilter, type LinkRecord, type NewVersion, type ObjectFilter, type ObjectHead, type ObjectKey, type Store, type VersionKey, type VersionRecord } from '../store.js';
import type { Db } from './db.js';
import type { Flavor } from './flavor.js';
import type { Tables } from './tables.js';

type ObjectQueries = Pick<Store, 'findObjectByName' | 'getObjectHead' | 'insertVersion' | 'getVersion' | 'listObjects' | 'history' | 'lineage' | 'listLatestIn' | 'setHidden'>;

/**
 * Objects and their immutable versions, files and lineage links.
 * `inTransaction` runs a save atomically even when the caller holds no transaction.
 */
export function objectQueries(db: Db, inTransaction: <T>(work: (tx: Db) => Promise<T>) => Promise<T>, flavor: Flavor): ObjectQueries {
  return {
    findObjectByName: (wsid: number, name: string) => findObjectByName(db, wsid, name),

    async getObjectHead({ wsid, objid }: ObjectKey) {
      const row = await db.selectFrom('objects').selectAll().where('wsid', '=', wsid).where('objid', '=', objid).executeTakeFirst();
      return row && toHead(row);
    },

    insertVersion: (v: NewVersion) => inTransaction((tx) => insertVersion(tx, v, flavor)),

    async getVersion({ wsid, objid, ver }: VersionKey) {
      const row = await versions(db).where('v.wsid', '=', wsid).where('v.objid', '=', objid).where('v.ver', '=', ver).executeTakeFirst();
      return row && (await withFiles(db, [row]))[0];
    },

    async listObjects(wsid: number, f: ObjectFilter) {
      let q = latestMatching(versions(db).where('v.wsid', '=', wsid), f, flavor);
      if (f.after) q = q.where('v.saved_at', '>', f.after);
      if (f.before) q = q.where('v.saved_at', '<', f.before);
      const { total } = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      const rows = await q.orderBy('v.objid').limit(f.limit).offset(f.offset).execute();
      return { items: await withFiles(db, rows), total: Number(total) };
    },

    async listLatestIn(wsids: number[], f: LatestFilter) {
      if (wsids.length === 0) return [];
      let q = latestMatching(versions(db).where('v.wsid', 'in', wsids), f, flavor);
      if (f.excludeType) q = q.where('v.type', '!=', f.excludeType);
      const after = f.after;
      if (after) q = q.where((eb) => eb.or([eb('v.wsid', '<', after.wsid), eb.and([eb('v.wsid', '=', after.wsid), eb('o.name', '>', after.name)])]));
      const rows = await q.orderBy('v.wsid', 'desc').orderBy('o.name').limit(f.limit).execute();
      return withFiles(db, rows);
    },

    async setHidden({ wsid, objid }: ObjectKey, hidden: { at: string; by: number } | null) {
      const result = await db
        .updateTable('objects')
        .set({ hidden_at: hidden?.at ?? null, hidden_by: hidden?.by ?? null })
        .where('wsid', '=', wsid)
        .where('objid', '=', objid)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async history({ wsid, objid }: ObjectKey) {
      const rows = await versions(db).where('v.wsid', '=', wsid).where('v.objid', '=', objid).orderBy('v.ver').execute();
      return withFiles(db, rows);
    },

    async lineage(root: VersionKey, direction: 'ancestors' | 'descendants', depth: number): Promise<LinkRecord[]> {
      // Walk object_links from the root; `from`/`to` name the side we stand on and the side we step to.
      const [from, to] = direction === 'ancestors' ? ['child', 'parent'] : ['parent', 'child'];
      const rows = await sql<LinkRow>`
        with recursive walk(wsid, objid, ver, depth) as (
          select cast(${root.wsid} as bigint), cast(${root.objid} as bigint), cast(${root.ver} as bigint), 0
          union
          select l.${sql.raw(to)}_wsid, l.${sql.raw(to)}_objid, l.${sql.raw(to)}_ver, walk.depth + 1
          from object_links l join walk
            on l.${sql.raw(from)}_wsid = walk.wsid and l.${sql.raw(from)}_objid = walk.objid and l.${sql.raw(from)}_ver = walk.ver
          where walk.depth < ${depth}
        )
        select distinct l.* from object_links l join walk
          on l.${sql.raw(from)}_wsid = walk.wsid and l.${sql.raw(from)}_objid = walk.objid and l.${sql.raw(from)}_ver = walk.ver
        where walk.depth < ${depth}`.execute(db);
      return rows.rows.map((r) => ({
        parent: { wsid: r.parent_wsid, objid: r.parent_objid, ver: r.parent_ver },
        child: { wsid: r.child_wsid, objid: r.child_objid, ver: r.child_ver },
        relation: r.relation as LinkRecord['relation'],
      }));
    },
  };
}

/** Saves version latest+1 (a new object when the name is new). Run inside a transaction. */
async function insertVersion(tx: Db, v: NewVersion, flavor: Flavor): Promise<{ objid: number; ver: number }> {
  await flavor.lockWorkspace(tx, v.wsid);
  const head = await findObjectByName(tx, v.wsid, v.name);

  const latest = head?.latestVer ?? 0;
  if (v.expectVersion !== undefined && v.expectVersion !== latest) throw new StaleVersionError(v.expectVersion, latest);
  let objid: number;
  if (head) {
    objid = head.objid;
    // A new version brings a hidden object back into view: it is in use again.
    await tx.updateTable('objects').set({ latest_ver: latest + 1, hidden_at: null, hidden_by: null }).where('wsid', '=', v.wsid).where('objid', '=', objid).execute();
  } else {
    const ws = await tx
      .updateTable('workspaces')
      .set((eb) => ({ next_objid: eb('next_objid', '+', 1) }))
      .where('id', '=', v.wsid)
      .returning('next_objid')
      .executeTakeFirstOrThrow();
    objid = ws.next_objid - 1;
    await tx.insertInto('objects').values({ wsid: v.wsid, objid, name: v.name, latest_ver: 1, created_at: v.savedAt }).execute();
  }
  const ver = latest + 1;
  await tx
    .insertInto('object_versions')
    .values({
      wsid: v.wsid,
      objid,
      ver,
      type: v.type,
      data: JSON.stringify(v.data),
      size: v.size,
      saved_by: v.savedBy,
      saved_at: v.savedAt,
      provenance: JSON.stringify(v.provenance),
      copied_from: v.copiedFrom,
      summary: v.summary ? JSON.stringify(v.summary) : null,
    })
    .execute();
  if (v.files.length > 0) {
    await tx.insertInto('object_files').values(v.files.map((f) => ({ wsid: v.wsid, objid, ver, ...f }))).execute();
  }
  if (v.parents.length > 0) {
    await tx
      .insertInto('object_links')
      .values(
        v.parents.map((p) => ({
          parent_wsid: p.ref.wsid,
          parent_objid: p.ref.objid,
          parent_ver: p.ref.ver,
          child_wsid: v.wsid,
          child_objid: objid,
          child_ver: ver,
          relation: p.relation,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  return { objid, ver };
}

async function findObjectByName(db: Db, wsid: number, name: string): Promise<ObjectHead | undefined> {
  const row = await db.selectFrom('objects').selectAll().where('wsid', '=', wsid).where('name', '=', name).executeTakeFirst();
  return row && toHead(row);
}

function versions(db: Db) {
  return db
    .selectFrom('object_versions as v')
    .innerJoin('objects as o', (j) => j.onRef('o.wsid', '=', 'v.wsid').onRef('o.objid', '=', 'v.objid'))
    .innerJoin('users as u', 'u.id', 'v.saved_by')
    .select(['v.wsid', 'v.objid', 'v.ver', 'o.name', 'v.type', 'v.data', 'v.size', 'u.name as saved_by', 'v.saved_at', 'v.provenance', 'v.copied_from', 'o.latest_ver', 'v.summary', 'o.hidden_at']);
}

/** The latest version of each object, narrowed by type (an id, or a prefix without a version), name fragment and hiding. */
function latestMatching(q: ReturnType<typeof versions>, f: { type?: string; nameContains?: string; hidden?: boolean }, flavor: Flavor) {
  const like = sql.raw(flavor.likeIgnoringCase);
  q = q.whereRef('v.ver', '=', 'o.latest_ver');
  if (f.type) q = f.type.includes('-') ? q.where('v.type', '=', f.type) : q.where(sql<boolean>`v.type ${like} ${escapeLike(f.type) + '%'} escape '\\'`);
  if (f.nameContains) q = q.where(sql<boolean>`o.name ${like} ${'%' + escapeLike(f.nameContains) + '%'} escape '\\'`);
  if (f.hidden !== undefined) q = q.where('o.hidden_at', f.hidden ? 'is not' : 'is', null);
  return q;
}

/** Versions per files query: SQLite refuses an expression tree of a thousand terms, and a page may hold a thousand versions. */
const FILES_QUERY_VERSIONS = 200;

async function withFiles(db: Db, rows: VersionRow[]): Promise<VersionRecord[]> {
  const files = new Map<string, { name: string; sha256: string; size: number }[]>();
  const keyOf = (v: { wsid: number; objid: number; ver: number }) => `${v.wsid}/${v.objid}/${v.ver}`;
  for (let at = 0; at < rows.length; at += FILES_QUERY_VERSIONS) {
    const chunk = rows.slice(at, at + FILES_QUERY_VERSIONS);
    const found = await db
      .selectFrom('object_files')
      .select(['wsid', 'objid', 'ver', 'name', 'sha256', 'size'])
      .where((eb) => eb.or(chunk.map((r) => eb.and([eb('wsid', '=', r.wsid), eb('objid', '=', r.objid), eb('ver', '=', r.ver)]))))
      .orderBy('name')
      .execute();
    for (const f of found) files.set(keyOf(f), [...(files.get(keyOf(f)) ?? []), { name: f.name, sha256: f.sha256, size: f.size }]);
  }
  return rows.map((r) => ({
    wsid: r.wsid,
    objid: r.objid,
    ver: r.ver,
    name: r.name,
    type: r.type,
    data: JSON.parse(r.data) as unknown,
    size: r.size,
    savedBy: r.saved_by,
    savedAt: r.saved_at,
    provenance: JSON.parse(r.provenance) as Provenance,
    copiedFrom: r.copied_from,
    latestVer: r.latest_ver,
    summary: r.summary === null ? null : (JSON.parse(r.summary) as ObjectSummary),
    hidden: r.hidden_at !== null,
    files: files.get(keyOf(r)) ?? [],
  }));
}

interface VersionRow {
  wsid: number;
  objid: number;
  ver: number;
  name: string;
  type: string;
  data: string;
  size: number;
  saved_by: string;
  saved_at: string;
  provenance: string;
  copied_from: string | null;
  latest_ver: number;
  summary: string | null;
  hidden_at: string | null;
}

type LinkRow = Tables['object_links'];

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toHead(r: { wsid: number; objid: number; name: string; latest_ver: number }): ObjectHead {
  return { wsid: r.wsid, objid: r.objid, name: r.name, latestVer: r.latest_ver };
}

