import express, { type NextFunction, type Request, type Response } from 'express';
import type { Context } from '../domain/context.js';
import type { Caller } from '../domain/permissions.js';
import { badRequest, notFound, unauthorized } from '../errors.js';
import { callerOf } from '../http/authenticate.js';
import { readSmallBody } from '../http/small-body.js';
import { LAB_STATE_BYTES, nestingDepth, requireShallow } from '../limits.js';
import type { LabAssets } from './lab-assets.js';

const WORKSPACE_ID = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * The server side of a JupyterLab app, as jupyterlab_server would answer it:
 * settings (each plugin's schema and the user's own raw settings), workspaces
 * (layouts), translations, config sections, and the identity of /api/me.
 * Everything is per signed-in user; nothing here is shared between users.
 */
export function labApi(ctx: Context, assets: LabAssets): express.Router {
  const router = express.Router();
  const signedIn = (handler: (caller: Caller, req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    callerOf(ctx, req)
      .then(async (caller) => {
        if (!caller) throw unauthorized();
        const body = await handler(caller, req, res);
        if (body === undefined) res.status(204).end();
        else res.json(body);
      })
      .catch(next);
  };

  router.get('/api/me', signedIn(async (caller) => ({
    identity: { username: caller.name, name: caller.name, display_name: caller.name, initials: caller.name.slice(0, 2).toUpperCase(), avatar_url: null, color: null },
    permissions: {},
  })));

  router.get('/lab/api/settings', signedIn(async (caller, req) => {
    const user = await ctx.store.labSettings(caller.id);
    if (req.query.ids_only === 'true') return { ids: [...assets.schemas.keys()].map((id) => ({ id })) };
    return { settings: [...assets.schemas.keys()].map((id) => plugin(id, user.get(id))) };
  }));
  router.get('/lab/api/settings/*id', signedIn(async (caller, req) => {
    const id = settingsId(req);
    return plugin(id, (await ctx.store.labSettings(caller.id)).get(id));
  }));
  router.put('/lab/api/settings/*id', signedIn(async (caller, req) => {
    const id = settingsId(req);
    const { value: body } = await readJson(req, ctx.limits.jsonDepth);
    const raw = typeof body === 'object' && body !== null ? (body as { raw?: unknown }).raw : undefined;
    if (typeof raw !== 'string') throw badRequest('Send {"raw": "<settings text>"}.');
    requireShallow(parseOr(raw), ctx.limits.jsonDepth, 'The settings');
    await ctx.store.putLabSettings(caller.id, id, raw, ctx.now());
    return undefined;
  }));

  router.get('/lab/api/workspaces', signedIn(async () => ({ workspaces: { ids: [], values: [] } })));
  router.get('/lab/api/workspaces/:id', signedIn(async (caller, req) => {
    const id = workspaceId(req);
    const saved = await ctx.store.labWorkspace(caller.id, id);
    const layout = saved ? (JSON.parse(saved) as unknown) : null;
    // A layout stored before nesting was limited would fail every answer: the user starts afresh instead.
    return layout !== null && nestingDepth(layout, ctx.limits.jsonDepth) <= ctx.limits.jsonDepth ? layout : { data: {}, metadata: { id } };
  }));
  router.put('/lab/api/workspaces/:id', signedIn(async (caller, req) => {
    const { text, value: parsed } = await readJson(req, ctx.limits.jsonDepth);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('A workspace is a JSON object: {"data": {…}, "metadata": {…}}.');
    await ctx.store.putLabWorkspace(caller.id, workspaceId(req), text, ctx.now());
    return undefined;
  }));

  router.get('/lab/api/translations', signedIn(async () => ({ data: { en: { displayName: 'English', nativeName: 'English' } }, message: '' })));
  router.get('/lab/api/translations/:locale', signedIn(async () => ({ data: {}, message: '' })));
  // Config sections (e.g. notebook): defaults only; nothing a user writes changes another's.
  router.get('/api/config/:section', signedIn(async () => ({})));
  router.patch('/api/config/:section', signedIn(async () => ({})));

  function plugin(id: string, raw: string | undefined) {
    return { id, schema: assets.schemas.get(id), raw: raw ?? '{}', settings: parseOr(raw), version: assets.appVersion };
  }

  function settingsId(req: Request): string {
    const id = ([] as string[]).concat((req.params as Record<string, string | string[]>).id ?? []).join('/');
    if (!assets.schemas.has(id)) throw notFound(`No plugin ${id} has settings here.`);
    return id;
  }

  return router;
}

function workspaceId(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !WORKSPACE_ID.test(id)) throw badRequest('A workspace id is letters, digits, _ . and -.');
  return id;
}

function parseOr(raw: string | undefined): unknown {
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    // JSON5 with comments, as the settings editor writes it: the lab parses it itself.
    return {};
  }
}

/** The body, as text (stored as sent) and parsed; refused unless it is JSON within the nesting limit. */
async function readJson(req: Request, depth: number): Promise<{ text: string; value: unknown }> {
  const text = await readSmallBody(req, LAB_STATE_BYTES, 'Lab settings and workspaces');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('The body is not JSON.');
  }
  requireShallow(value, depth, 'The body');
  return { text, value };
}
