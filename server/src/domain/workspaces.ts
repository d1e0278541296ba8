import { badRequest, conflict } from '../errors.js';
import type { Workspace } from '../schemas/api.js';
import type { Level } from '../schemas/common.js';
import type { WorkspaceRecord } from '../store/store.js';
import type { Context } from './context.js';
import { levelOf, type Caller } from './permissions.js';
import { findUser } from './users.js';

export async function createWorkspace(ctx: Context, caller: Caller, name: string): Promise<WorkspaceRecord> {
  if (await ctx.store.getWorkspaceByName(name)) throw conflict(`There is already a workspace named ${name}.`);
  return ctx.store.createWorkspace({ name, ownerId: caller.id, createdAt: ctx.now() });
}

export async function describeWorkspace(ctx: Context, caller: Caller | null, ws: WorkspaceRecord): Promise<Workspace> {
  const narrative = await ctx.store.getNarrativeByWorkspace(ws.id);
  return {
    id: ws.id,
    name: ws.name,
    owner: ws.ownerName,
    public: ws.isPublic,
    published: ws.publishedAt !== null,
    publishedAt: ws.publishedAt,
    createdAt: ws.createdAt,
    level: await levelOf(ctx.store, caller, ws),
    narrativeId: narrative?.id ?? null,
  };
}

export async function listWorkspaces(ctx: Context, caller: Caller): Promise<Workspace[]> {
  const records = await ctx.store.listWorkspacesOf(caller.id);
  return Promise.all(records.map((ws) => describeWorkspace(ctx, caller, ws)));
}

/** Every public workspace (published ones included), whoever owns it, with the caller's level in each. */
export async function listPublicWorkspaces(ctx: Context, caller: Caller): Promise<Workspace[]> {
  const records = await ctx.store.listPublicWorkspaces();
  return Promise.all(records.map((ws) => describeWorkspace(ctx, caller, ws)));
}

export async function setGrant(ctx: Context, ws: WorkspaceRecord, userName: string, level: Level): Promise<void> {
  const user = await findUser(ctx, userName);
  if (user.id === ws.ownerId) throw badRequest(`${userName} owns workspace ${ws.id} and always has admin access.`);
  await ctx.store.setGrant(ws.id, user.id, level);
}

export async function describeGrants(ctx: Context, ws: WorkspaceRecord) {
  return { owner: ws.ownerName, public: ws.isPublic, grants: await ctx.store.listGrants(ws.id) };
}

export async function setPublic(ctx: Context, ws: WorkspaceRecord, isPublic: boolean): Promise<void> {
  await ctx.store.setPublic(ws.id, isPublic);
}

/** Publishing locks a workspace forever: public, read-only, citable by its refs. */
export async function publishWorkspace(ctx: Context, ws: WorkspaceRecord): Promise<void> {
  await ctx.store.publish(ws.id, ctx.now());
}
