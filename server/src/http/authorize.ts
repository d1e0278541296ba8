import type { Context } from '../domain/context.js';
import { forbidden, notFound, Problem, unauthorized } from '../errors.js';
import { loadNarrative } from '../domain/narratives.js';
import { atLeast, KERNEL_REFUSAL, levelOf, requireLevel, requireRole, scopeAllows, type Caller } from '../domain/permissions.js';
import { findWorkspace } from '../domain/refs.js';
import type { Level } from '../schemas/common.js';
import type { PublicationRecord, WorkspaceRecord } from '../store/store.js';
import type { Job } from '../domain/jobs/job.js';
import { readsOnly, type Access, type Granted } from './route.js';

/**
 * Turns a route's declared access into a grant, or throws 401/403/404/409.
 * Anonymous callers learn nothing about what exists: where a signed-in caller
 * would hear 404, they hear 401, as for anything else that is not public.
 * `method` is the request's (callers that only read, like the job stream,
 * leave it out): a kernel's scoped token may read, and may change only what
 * needs write in a workspace (which permissions.ts narrows to its own).
 */
export async function authorize(ctx: Context, caller: Caller | null, access: Access, method = 'get'): Promise<Granted> {
  // A POST that only reads (a lookup too long for a URL) is a read, as a GET is.
  if (caller?.scope && !scopeAllows(caller, method.toLowerCase() === 'get' || readsOnly(access), kernelsMay(access))) throw forbidden(KERNEL_REFUSAL);
  if (caller) return grant(ctx, caller, access);
  return grant(ctx, caller, access).catch((error: unknown) => {
    throw error instanceof Problem && error.status === 404 ? unauthorized() : error;
  });
}

/**
 * Whether a change a route makes is one a kernel's token may make: writing into
 * a workspace (its own only, by its level there), or what the route says kernels
 * may do. A change that needs only read (a copy of a narrative, say) makes
 * something new as the user, which is not a kernel's to do.
 */
function kernelsMay(access: Access): boolean {
  if (access.kind === 'user') return access.kernels === true;
  // Signing in is the one public change, and never a kernel's.
  if (access.kind === 'public') return false;
  return 'level' in access && access.level !== 'read';
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
    case 'job':
      return { caller, ...(await grantJob(ctx, caller, access.job, access.level)) };
    case 'jobs': {
      const jobs = [];
      for (const id of access.jobs) jobs.push((await grantJob(ctx, caller, id, access.level)).job);
      return { caller, jobs };
    }
    case 'readable-jobs':
      return grantReadableJobs(ctx, caller, access.jobs, access.narrative);
    case 'narrative': {
      const narrative = await loadNarrative(ctx, access.narrative);
      return { caller, ws: narrative.ws, narrative, level: await requireLevel(ctx.store, caller, narrative.ws, access.level, access.changes ?? access.level !== 'read') };
    }
    case 'publication':
      return { caller, publication: await grantPublication(ctx, caller, access.contentId) };
  }
}

/**
 * A publication, for whoever may read every workspace its archive holds
 * data of: the archive was built with its publisher's rights, and exporting
 * it asks the same of its exporter. Public workspaces are read by anyone, so
 * one drawing on public workspaces alone is read signed out too. It outlives
 * the narrative's deletion, as the narrative's objects do.
 */
async function grantPublication(ctx: Context, caller: Caller | null, contentId: string): Promise<PublicationRecord> {
  const publication = await ctx.store.getPublication(contentId);
  if (!publication) throw notFound(`There is no publication ${contentId}.`);
  // The narrative's own workspace always counts, whatever the list says.
  for (const wsid of new Set([publication.wsid, ...publication.workspaces])) {
    const ws = await ctx.store.getWorkspace(wsid);
    if (!ws) throw notFound(`There is no publication ${contentId}.`);
    await requireLevel(ctx.store, caller, ws, 'read');
  }
  return publication;
}

/**
 * Of many jobs, those the caller may read (read in the workspace each saves
 * to, as GET /jobs/{id} asks) and the other ids, missing whether they exist
 * or not; and the narrative, if named and the caller may read it. The jobs
 * are read in one query, and each workspace's level decided once.
 */
async function grantReadableJobs(ctx: Context, caller: Caller | null, ids: readonly number[], narrativeId: number | undefined): Promise<Granted> {
  const asked = [...new Set(ids)];
  const found = new Map((await ctx.store.getJobs(asked)).map((j) => [j.id, j]));
  const readable = new Map<number, WorkspaceRecord | null>();
  const readableWorkspace = async (wsid: number) => {
    if (!readable.has(wsid)) {
      const ws = await ctx.store.getWorkspace(wsid);
      readable.set(wsid, ws && atLeast(await levelOf(ctx.store, caller, ws), 'read') ? ws : null);
    }
    return readable.get(wsid) ?? null;
  };
  const jobs: Job[] = [];
  const missing: number[] = [];
  for (const id of asked) {
    const job = found.get(id);
    if (job && (await readableWorkspace(job.wsid))) jobs.push(job);
    else missing.push(id);
  }
  const record = narrativeId === undefined ? undefined : await ctx.store.getNarrative(narrativeId);
  const ws = record && (await readableWorkspace(record.wsid));
  return { caller, readable: { jobs, missing }, ...(record && ws ? { narrative: { narrative: record, ws } } : {}) };
}

/** A job and the caller's level in the workspace it saves to, which must be at least `need`. */
async function grantJob(ctx: Context, caller: Caller | null, id: number, need: Level) {
  const job = await ctx.store.getJob(id);
  const ws = job && (await ctx.store.getWorkspace(job.wsid));
  if (!job || !ws) throw notFound(`There is no job ${id}.`);
  return { ws, job, level: await requireLevel(ctx.store, caller, ws, need) };
}

/** The caller, for handlers that act as someone (save, copy): anonymous readers of public workspaces get a 401. */
export function signedIn(granted: Granted): Caller {
  if (!granted.caller) throw unauthorized('Sign in to do this: anonymous visitors can only read public workspaces.');
  return granted.caller;
}
