import type { Lineage } from '../schemas/api.js';
import type { LineagePage, VersionKey, WorkspaceRecord } from '../store/store.js';
import type { Context } from './context.js';
import { atLeast, levelOf, type Caller } from './permissions.js';
import { findObject, formatRef, versionOf } from './refs.js';

export interface LineageRequest {
  direction: 'ancestors' | 'descendants' | 'both';
  /** Steps to follow; absent: all the way. */
  depth?: number;
  limit: number;
  /** `next` of the page before. */
  cursor?: string;
}

/**
 * One page of the ancestors and/or descendants of a version, from one query;
 * versions in workspaces the caller cannot read appear only as refs (what
 * the caller may read is decided once per workspace on the page).
 */
export async function lineage(ctx: Context, caller: Caller | null, ws: WorkspaceRecord, object: string, ver: number | undefined, request: LineageRequest): Promise<Lineage> {
  const root = versionOf(await findObject(ctx.store, ws, object), ver);
  const after = request.cursor === undefined ? undefined : cursorKey(request.cursor);
  const page = await ctx.store.lineagePage(root, { direction: request.direction, depth: request.depth, limit: request.limit, ...(after ? { after } : {}) });
  const unreadable = new Set<number>();
  for (const wsid of otherWorkspaces(page, ws.id)) {
    const other = await ctx.store.getWorkspace(wsid);
    if (other === undefined || !atLeast(await levelOf(ctx.store, caller, other), 'read')) unreadable.add(wsid);
  }
  const { nodes, edges } = unreadable.size === 0 ? everything(page) : onlyReadable(page, unreadable);
  return { root: formatRef(root), nodes, edges, next: page.next && formatRef(page.next) };
}

/**
 * The workspaces other than `wsid` that the page's versions and the ends of
 * its links are in. Most lineages stay in one workspace: a ref in it is told
 * by its prefix, without reading its number.
 */
function otherWorkspaces(page: LineagePage, wsid: number): Set<number> {
  const prefix = `${wsid}/`;
  const others = new Set<number>();
  for (const n of page.nodes) if (n.wsid !== wsid) others.add(n.wsid);
  for (const l of page.links) {
    if (!l.from.startsWith(prefix)) others.add(wsidOf(l.from));
    if (!l.to.startsWith(prefix)) others.add(wsidOf(l.to));
  }
  return others;
}

/** The page when the caller may read all of it: its links are the edges as they are. */
function everything(page: LineagePage): Pick<Lineage, 'nodes' | 'edges'> {
  return { nodes: page.nodes.map((n) => ({ ref: n.ref, accessible: true, name: n.name, type: n.type })), edges: page.links };
}

/**
 * What the caller cannot read shows only where it touches what they can: a
 * ref at the end of a link they may see, never the graph beyond it.
 */
function onlyReadable(page: LineagePage, unreadable: Set<number>): Pick<Lineage, 'nodes' | 'edges'> {
  const canRead = (ref: string) => !unreadable.has(wsidOf(ref));
  const edges = page.links.filter((l) => canRead(l.from) || canRead(l.to));
  const touched = new Set(edges.flatMap((l) => [l.from, l.to]));
  const nodes = page.nodes.flatMap((n): Lineage['nodes'] =>
    !unreadable.has(n.wsid) ? [{ ref: n.ref, accessible: true, name: n.name, type: n.type }] : touched.has(n.ref) ? [{ ref: n.ref, accessible: false }] : [],
  );
  return { nodes, edges };
}

function wsidOf(ref: string): number {
  return Number(ref.slice(0, ref.indexOf('/')));
}

/** A lineage cursor is the last version of the page before, as `wsid/objid/ver` (the schema has checked its digits). */
function cursorKey(cursor: string): VersionKey {
  const [wsid, objid, version] = cursor.split('/').map(Number) as [number, number, number];
  return { wsid, objid, ver: version };
}
