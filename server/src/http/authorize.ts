import type { Context } from '../domain/context.js';
import { notFound, Problem, unauthorized } from '../errors.js';
import { loadNarrative } from '../domain/narratives.js';
import { requireLevel, requireRole, type Caller } from '../domain/permissions.js';
import { findWorkspace } from '../domain/refs.js';
import type { Access, Granted } from './route.js';

/**
 * Turns a route's declared access into a grant, or throws 401/403/404/409.
 * Anonymous callers learn nothing about what exists: where a signed-in caller
 * would hear 404, they hear 401, as for anything else that is not public.
 */
export async function authorize(ctx: Context, caller: Caller | null, access: Access): Promise<Granted> {
  if (caller) return grant(ctx, caller, access);
  return grant(ctx, caller, access).catch((error: unknown) => {
    throw error instanceof Problem && error.status === 404 ? unauthorized() : error;
  });
}

async function grant(ctx: Context, caller: Caller | null, access: Access): Promise<Granted> {
  switch (access.kind) {
    case 'public':
      return { caller };
    case 'user':
      return { caller: requireRole(caller, access.role ?? 'user') };
    case 'workspace': {
      const ws = await findWorkspace(ctx.store, access.workspace);
      return { caller, ws, level: await requireLevel(ctx.store, caller, ws, access.level) };
    }
    case 'job': {
      const job = await ctx.store.getJob(access.job);
      const ws = job && (await ctx.store.getWorkspace(job.wsid));
      if (!job || !ws) throw notFound(`There is no job ${access.job}.`);
      return { caller, ws, job, level: await requireLevel(ctx.store, caller, ws, access.level) };
    }
    case 'narrative': {
      const narrative = await loadNarrative(ctx, access.narrative);
      return { caller, ws: narrative.ws, narrative, level: await requireLevel(ctx.store, caller, narrative.ws, access.level) };
    }
  }
}

/** The caller, for handlers that act as someone (save, copy): anonymous readers of public workspaces get a 401. */
export function signedIn(granted: Granted): Caller {
  if (!granted.caller) throw unauthorized('Sign in to do this: anonymous visitors can only read public workspaces.');
  return granted.caller;
}
