import { conflict, forbidden, notFound, unauthorized } from '../errors.js';
import type { Level, Role } from '../schemas/common.js';
import type { Store, WorkspaceRecord } from '../store/store.js';

/**
 * The one place where access is decided. Every route declares what it needs
 * and the HTTP layer calls `requireLevel`; services call it again only for a
 * second workspace (the target of a copy, an input of a save).
 */
export interface Caller {
  id: number;
  name: string;
  role: Role;
  /** The token this request came with, so sign-out can revoke it. */
  tokenId?: number;
}

const ORDER: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3 };

export function atLeast(have: Level, need: Level): boolean {
  return ORDER[have] >= ORDER[need];
}

function max(a: Level, b: Level): Level {
  return ORDER[a] >= ORDER[b] ? a : b;
}

/** The caller's level: owners are admins, grants give their level, public workspaces give everyone read. */
export async function levelOf(store: Store, caller: Caller | null, ws: WorkspaceRecord): Promise<Level> {
  const publicLevel: Level = ws.isPublic ? 'read' : 'none';
  if (!caller) return publicLevel;
  if (ws.ownerId === caller.id) return 'admin';
  return max(await store.getGrant(ws.id, caller.id), publicLevel);
}

/**
 * The caller's level if it is at least `need`, else a refusal. Anything that
 * changes the workspace is refused once it is published; `changes: false`
 * is for what needs the level but leaves the workspace as it is (publishing
 * a citable copy of a narrative needs admin, and suits a locked one best).
 */
export async function requireLevel(store: Store, caller: Caller | null, ws: WorkspaceRecord, need: Level, changes = need !== 'read'): Promise<Level> {
  const have = await levelOf(store, caller, ws);
  if (!atLeast(have, need)) {
    if (!caller) throw unauthorized(`Workspace ${ws.id} is not public: sign in to ${ACTION[need]} it.`);
    throw forbidden(`You have ${have === 'none' ? 'no' : have} access to workspace ${ws.id}; to ${ACTION[need]} it you need ${need}.`);
  }
  if (changes && ws.publishedAt) {
    throw conflict(`Workspace ${ws.id} was published on ${ws.publishedAt} and is read-only forever.`);
  }
  return have;
}

export function requireRole(caller: Caller | null, role: Role): Caller {
  if (!caller) throw unauthorized();
  if (role !== 'user' && caller.role !== 'admin' && caller.role !== role) {
    throw forbidden(`This needs the ${role} role; you are a ${caller.role}.`);
  }
  return caller;
}

const ACTION: Record<Level, string> = { none: 'see', read: 'read', write: 'change', admin: 'administer' };

