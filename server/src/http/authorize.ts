import type { Context } from '../domain/context.js';
import { loadNarrative } from '../domain/narratives.js';
import { requireLevel, requireRole, type Caller } from '../domain/permissions.js';
import { findWorkspace } from '../domain/refs.js';
import type { Access, Granted } from './route.js';

/** Turns a route's declared access into a grant, or throws 401/403/404/409. */
export async function authorize(ctx: Context, caller: Caller | null, access: Access): Promise<Granted> {
  switch (access.kind) {
    case 'public':
      return { caller };
    case 'user':
      return { caller: requireRole(caller, access.role ?? 'user') };
    case 'workspace': {
      const ws = await findWorkspace(ctx.store, access.workspace);
      return { caller, ws, level: await requireLevel(ctx.store, caller, ws, access.level) };
    }
    case 'narrative': {
      const narrative = await loadNarrative(ctx, access.narrative);
      return { caller, ws: narrative.ws, narrative, level: await requireLevel(ctx.store, caller, narrative.ws, access.level) };
    }
  }
}

/** For handlers of routes whose access guarantees a signed-in caller. */
export function signedIn(granted: Granted): Caller {
  if (!granted.caller) throw new Error('route declared signed-in access but has no caller');
  return granted.caller;
}
