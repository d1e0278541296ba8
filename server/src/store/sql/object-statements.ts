import { sql } from 'kysely';
import type { Db } from './db.js';
import { precompiled } from './precompiled.js';

/** Versions joined with their object's head and their saver's name: what every read of versions selects. */
export function versions(db: Db) {
  return db
    .selectFrom('object_versions as v')
    .innerJoin('objects as o', (j) => j.onRef('o.wsid', '=', 'v.wsid').onRef('o.objid', '=', 'v.objid'))
    .innerJoin('users as u', 'u.id', 'v.saved_by')
    .select(['v.wsid', 'v.objid', 'v.ver', 'o.name', 'v.type', 'v.data', 'v.size', 'u.name as saved_by', 'v.saved_at', 'v.provenance', 'v.copied_from', 'o.latest_ver', 'v.summary', 'o.hidden_at']);
}

/*
 * The statements of a save and of a get, compiled once (precompiled.ts):
 * each runs once or more per request.
 */

export const headByName = precompiled((db, wsid: number, name: string) => db.selectFrom('objects').selectAll().where('wsid', '=', wsid).where('name', '=', name));

export const headById = precompiled((db, wsid: number, objid: number) => db.selectFrom('objects').selectAll().where('wsid', '=', wsid).where('objid', '=', objid));

/**
 * A version with its files, in name order, as the JSON text of an array of {name, sha256, size}: a get in one
 * statement, since the statement is most of a get's cost. The two dialects aggregate JSON differently (flavor.ts).
 */
export const versionWithFiles = {
  sqlite: precompiled((db, wsid: number, objid: number, ver: number) =>
    versions(db)
      .select(sql<string>`(select json_group_array(json_object('name', f.name, 'sha256', f.sha256, 'size', f.size) order by f.name) from object_files f where f.wsid = v.wsid and f.objid = v.objid and f.ver = v.ver)`.as('files'))
      .where('v.wsid', '=', wsid).where('v.objid', '=', objid).where('v.ver', '=', ver)),
  postgres: precompiled((db, wsid: number, objid: number, ver: number) =>
    versions(db)
      .select(sql<string>`(select coalesce(json_agg(json_build_object('name', f.name, 'sha256', f.sha256, 'size', f.size) order by f.name), '[]')::text from object_files f where f.wsid = v.wsid and f.objid = v.objid and f.ver = v.ver)`.as('files'))
      .where('v.wsid', '=', wsid).where('v.objid', '=', objid).where('v.ver', '=', ver)),
};

export const bumpObject = precompiled((db, latest: number, wsid: number, objid: number) =>
  db.updateTable('objects').set({ latest_ver: latest, hidden_at: null, hidden_by: null }).where('wsid', '=', wsid).where('objid', '=', objid),
);

export const takeObjid = precompiled((db, wsid: number) =>
  db.updateTable('workspaces').set((eb) => ({ next_objid: eb('next_objid', '+', 1) })).where('id', '=', wsid).returning('next_objid'),
);

export const newObject = precompiled((db, wsid: number, objid: number, name: string, createdAt: string) =>
  db.insertInto('objects').values({ wsid, objid, name, latest_ver: 1, created_at: createdAt }),
);

export const newVersion = precompiled(
  (db, wsid: number, objid: number, ver: number, type: string, data: string, size: number, savedBy: number, savedAt: string, provenance: string, copiedFrom: string | null, summary: string | null) =>
    db.insertInto('object_versions').values({ wsid, objid, ver, type, data, size, saved_by: savedBy, saved_at: savedAt, provenance, copied_from: copiedFrom, summary }),
);
