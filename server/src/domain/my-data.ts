import { conflict } from '../errors.js';
import type { MyObject, MyObjectPage, MyObjectsQuery, ObjectInfo } from '../schemas/api.js';
import type { WorkspaceRecord } from '../store/store.js';
import type { Context } from './context.js';
import { NARRATIVE_TYPE } from './notebook.js';
import { toInfo, versionInfo } from './objects.js';
import { atLeast, levelOf, type Caller } from './permissions.js';
import { findObject } from './refs.js';

/**
 * "My data": the objects of every narrative the caller may change (owns, or
 * was given write or admin), whoever saved them; and removing an object from
 * view. Narratives only read by the caller are not theirs to tidy, so they
 * are left out (the Data panel shows them as shared or public). Each row
 * carries its narrative's level and lock, so the lab offers only what the
 * server would allow.
 */
export async function listMyObjects(ctx: Context, caller: Caller, query: MyObjectsQuery): Promise<MyObjectPage> {
  const limit = query.limit ?? 100;
  const narratives = new Map<number, MyObject['narrative']>();
  for (const n of await ctx.store.listNarrativesOf(caller.id)) {
    const ws = await ctx.store.getWorkspace(n.wsid);
    const level = ws && (await levelOf(ctx.store, caller, ws));
    // A published narrative is still listed (its data can be copied and downloaded), and says it is locked.
    if (ws && level && atLeast(level, 'write')) narratives.set(ws.id, { id: n.id, title: n.title, level, published: ws.publishedAt !== null });
  }
  // One more than the page: whether there is a next page is known without a second query.
  const rows = await ctx.store.listLatestIn([...narratives.keys()], {
    limit: limit + 1,
    excludeType: NARRATIVE_TYPE,
    hidden: query.hidden ?? false,
    ...(query.type ? { type: query.type } : {}),
    ...(query.name ? { nameContains: query.name } : {}),
    ...(query.cursor ? { after: parseCursor(query.cursor) } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({ ...toInfo(r), narrative: narratives.get(r.wsid)! })),
    next: rows.length > limit && last ? `${last.wsid}:${last.name}` : null,
  };
}

/** `<wsid>:<name>`, as the query schema checked it: the last object of the page before. */
function parseCursor(cursor: string): { wsid: number; name: string } {
  const colon = cursor.indexOf(':');
  return { wsid: Number(cursor.slice(0, colon)), name: cursor.slice(colon + 1) };
}

/**
 * Hides an object from listings, or shows it again. Its versions stay as
 * they are, readable by reference, so every provenance naming them holds; a
 * new version (a save, copy or revert onto it) shows it again.
 */
export async function setObjectHidden(ctx: Context, caller: Caller, ws: WorkspaceRecord, object: string, hidden: boolean): Promise<ObjectInfo> {
  const head = await findObject(ctx.store, ws, object);
  const narrative = await ctx.store.getNarrativeByWorkspace(ws.id);
  if (narrative?.objid === head.objid) throw conflict(`Object ${ws.id}/${head.objid} is the notebook of narrative ${narrative.id}: it is never listed as data, and cannot be hidden.`);
  await ctx.store.setHidden(head, hidden ? { at: ctx.now(), by: caller.id } : null);
  return versionInfo(ctx, { wsid: head.wsid, objid: head.objid, ver: head.latestVer });
}
