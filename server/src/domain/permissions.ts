import { conflict, forbidden, notFound, unauthorized } from '../errors.js';
import type { Level, Role } from '../schemas/common.js';
import type { Store, TokenScope, WorkspaceRecord } from '../store/store.js';

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
  /**
   * Set for a kernel's token: the user's rights, narrowed to writing only into
   * one narrative's workspace (never administering it) and reading elsewhere.
   */
  scope?: TokenScope;
}

const ORDER: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3 };

export function atLeast(have: Level, need: Level): boolean {
  return ORDER[have] >= ORDER[need];
}

function max(a: Level, b: Level): Level {
  return ORDER[a] >= ORDER[b] ? a : b;
}

function min(a: Level, b: Level): Level {
  return ORDER[a] <= ORDER[b] ? a : b;
}

/**
 * The caller's level: owners are admins, grants give their level, public workspaces give everyone read.
 * A scoped (kernel's) token has at most write in its own workspace and at most read anywhere else.
 */
export async function levelOf(store: Store, caller: Caller | null, ws: WorkspaceRecord): Promise<Level> {
  const publicLevel: Level = ws.isPublic ? 'read' : 'none';
  if (!caller) return publicLevel;
  const own: Level = ws.ownerId === caller.id ? 'admin' : max(await store.getGrant(ws.id, caller.id), publicLevel);
  return caller.scope ? min(own, scopeCeiling(caller.scope, ws)) : own;
}

function scopeCeiling(scope: TokenScope, ws: WorkspaceRecord): Level {
  return scope.wsid === ws.id ? 'write' : 'read';
}

/**
 * Whether a kernel's token may make a request: it may read (what its user
 * may read, its user's own lists, the catalog), and change only what the
 * route allows kernels (writing into a workspace, which levelOf narrows to its
 * own; uploading a file's bytes to save), nothing else: no tokens, users,
 * narratives, workspaces, copies, apps, imports or sign-ins.
 */
export function scopeAllows(caller: Caller, reads: boolean, forKernels: boolean): boolean {
  return !caller.scope || reads || forKernels;
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
    if (caller.scope && have !== 'none') throw forbidden(`This kernel's token (narrative ${caller.scope.narrativeId}) has ${have} access to workspace ${ws.id}; to ${ACTION[need]} it you need ${need}. ${KERNEL_REFUSAL}`);
    throw forbidden(`You have ${have === 'none' ? 'no' : have} access to workspace ${ws.id}; to ${ACTION[need]} it you need ${need}.`);
  }
  if (changes && ws.publishedAt) {
    throw conflict(`Workspace ${ws.id} was published on ${ws.publishedAt} and is read-only forever.`);
  }
  return have;
}

export function requireRole(caller: Caller | null, role: Role): Caller {
  if (!caller) throw unauthorized();
  if (role !== 'user' && caller.scope) throw forbidden(KERNEL_REFUSAL);
  if (role !== 'user' && caller.role !== 'admin' && caller.role !== role) {
    throw forbidden(`This needs the ${role} role; you are a ${caller.role}.`);
  }
  return caller;
}

/**
 * Archives and crates carry objects' bytes past the record of what a kernel read;
 * code reads through the client (`narrative.get`), where each read becomes an
 * input of what it saves. So they are not a kernel token's to download.
 */
export function refuseKernelDownload(caller: Caller | null, what: string): void {
  if (caller?.scope) throw forbidden(`${what} cannot be downloaded with a kernel's token: code reads objects with narrative.get, which records each as an input of what the code saves.`);
}

/** What a kernel's token hears when it asks for more than reading and saving into its narrative. */
export const KERNEL_REFUSAL = "A kernel's token reads what its user may read and saves only into its narrative's workspace; use your own token for this.";

const ACTION: Record<Level, string> = { none: 'see', read: 'read', write: 'change', admin: 'administer' };

