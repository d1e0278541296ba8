import { sql } from 'kysely';
import type { ObjectSummary } from '../../schemas/api.js';
import type { Provenance } from '../../schemas/provenance.js';
import { StaleVersionError, type LatestFilter, type FileRecord, type NewVersion, type ObjectFilter, type ObjectHead, type ObjectKey, type Store, type VersionKey, type VersionRecord } from '../store.js';
import type { Db } from './db.js';
import type { Flavor } from './flavor.js';
import { bumpObject, headById, headByName, newObject, newVersion, takeObjid, versions } from './object-statements.js';

type ObjectQueries = Pick<Store, 'findObjectByName' | 'getObjectHead' | 'insertVersion' | 'getVersion' | 'listObjects' | 'history' | 'listLatestIn' | 'setHidden'>;

/**
 * Objects and their immutable versions, files and lineage links.
 * `inTransaction` runs a save atomically even when the caller holds no transaction.
 */
export function objectQueries(db: Db, inTransaction: <T>(work: (tx: Db) => Promise<T>) => Promise<T>, flavor: Flavor): ObjectQueries {
  return {
    findObjectByName: (wsid: number, name: string) => findObjectByName(db, wsid, name),

    async getObjectHead({ wsid, objid }: ObjectKey) {
      const [row] = await headById(db, wsid, objid);
      return row && toHead(row);
    },

    insertVersion: (v: NewVersion) => inTransaction((tx) => insertVersion(tx, v, flavor)),

    async getVersion({ wsid, objid, ver }: VersionKey) {
      const [row] = await flavor.versionWithFiles(db, wsid, objid, ver);
      if (!row) return undefined;
      const { files, ...version } = row;
      return toRecord(version, JSON.parse(files) as FileRecord[]);
    },

    async listObjects(wsid: number, f: ObjectFilter) {
      let q = latestMatching(versions(db).where('v.wsid', '=', wsid), f, flavor);
      if (f.after) q = q.where('v.saved_at', '>', f.after);
      if (f.before) q = q.where('v.saved_at', '<', f.before);
      if (f.afterObjid !== undefined) return { items: await withPageFiles(db, wsid, await q.where('v.objid', '>', f.afterObjid).orderBy('v.objid').limit(f.limit).execute()) };
      const { total } = await q.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
      const rows = await q.orderBy('v.objid').limit(f.limit).offset(f.offset).execute();
      return { items: await withPageFiles(db, wsid, rows), total: Number(total) };
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
    await bumpObject(tx, latest + 1, v.wsid, objid);
  } else {
    const [ws] = await takeObjid(tx, v.wsid);
    if (!ws) throw new Error(`there is no workspace ${v.wsid}`);
    objid = ws.next_objid - 1;
    await newObject(tx, v.wsid, objid, v.name, v.savedAt);
  }
  const ver = latest + 1;
  const summary = v.summary ? JSON.stringify(v.summary) : null;
  await newVersion(tx, v.wsid, objid, ver, v.type, JSON.stringify(v.data), v.size, v.savedBy, v.savedAt, JSON.stringify(v.provenance), v.copiedFrom, summary);
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
  const [row] = await headByName(db, wsid, name);
  return row && toHead(row);
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
  return rows.map((r) => toRecord(r, files.get(keyOf(r)) ?? []));
}

/** The files of versions of one workspace's objects, a version each: one (objid, ver) list, where `withFiles` builds three terms per version. */
async function withPageFiles(db: Db, wsid: number, rows: VersionRow[]): Promise<VersionRecord[]> {
  const files = new Map<number, FileRecord[]>();
  for (let at = 0; at < rows.length; at += FILES_QUERY_VERSIONS) {
    const chunk = rows.slice(at, at + FILES_QUERY_VERSIONS);
    const found = await db
      .selectFrom('object_files')
      .select(['objid', 'name', 'sha256', 'size'])
      .where('wsid', '=', wsid)
      .where((eb) => eb(eb.refTuple('objid', 'ver'), 'in', chunk.map((r) => eb.tuple(r.objid, r.ver))))
      .orderBy('name')
      .execute();
    for (const f of found) files.set(f.objid, [...(files.get(f.objid) ?? []), { name: f.name, sha256: f.sha256, size: f.size }]);
  }
  return rows.map((r) => toRecord(r, files.get(r.objid) ?? []));
}

function toRecord(r: VersionRow, files: FileRecord[]): VersionRecord {
  return {
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
    files,
  };
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

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toHead(r: { wsid: number; objid: number; name: string; latest_ver: number }): ObjectHead {
  return { wsid: r.wsid, objid: r.objid, name: r.name, latestVer: r.latest_ver };
}

