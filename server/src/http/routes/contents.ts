import { Type } from '@sinclair/typebox';
import { checkpointOf, directoryModel, notebookModel } from '../../contents/model.js';
import { narrativeIdOf, narrativePath, titleOf } from '../../contents/paths.js';
import type { Context } from '../../domain/context.js';
import { copyNarrative, createNarrative, deleteNarrative, loadNarrative, readNotebook, renameNarrative, saveNotebook, type LoadedNarrative } from '../../domain/narratives.js';
import type { Notebook } from '../../domain/notebook.js';
import { revertObject } from '../../domain/objects.js';
import { levelOf, requireLevel, type Caller } from '../../domain/permissions.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { PositiveInt, type Level } from '../../schemas/common.js';
import { signedIn } from '../authorize.js';
import { Reply, route, type Access, type Granted } from '../route.js';

/**
 * The Jupyter Contents REST API over narratives, so a JupyterLab `Drive`
 * opens and saves them: one flat directory, checkpoints are object versions.
 */
const tag = 'Contents';
const PathParams = Type.Object({ path: Type.Optional(Type.String({ maxLength: 1024 })) });
const CheckpointParams = Type.Object({ path: Type.String({ maxLength: 1024 }), checkpoint: PositiveInt });
const NotebookBody = Type.Object({
  type: Type.Literal('notebook'),
  format: Type.Optional(Type.Literal('json')),
  content: Type.Object({}, { additionalProperties: true, description: 'an nbformat 4 notebook, validated as Narrative.Narrative-1.0' }),
});
const NewBody = Type.Object({
  type: Type.Optional(Type.Union([Type.Literal('notebook'), Type.Literal('file'), Type.Literal('directory')])),
  ext: Type.Optional(Type.String({ maxLength: 20 })),
  copy_from: Type.Optional(Type.String({ maxLength: 1024 })),
});
const Model = Type.Object({ name: Type.String(), path: Type.String(), type: Type.String(), last_modified: Type.String() }, { additionalProperties: true });
const Checkpoint = Type.Object({ id: Type.String(), last_modified: Type.String() });

/** Access for a path: its narrative at `level`, or (for the root, or a path naming no narrative yet) any signed-in user. */
const at = (level: 'read' | 'write' | 'admin') => ({ params }: { params: { path?: string } }): Access => {
  const id = narrativeIdOf(params.path ?? '');
  return id === null ? { kind: 'user' } : { kind: 'narrative', level, narrative: id };
};

export const contentsRoutes = [
  route({
    method: 'get', path: '/contents/{path}/checkpoints', expressPath: '/contents/*path/checkpoints', tag, summary: 'Checkpoints: the versions of a narrative',
    params: PathParams, response: { status: 200, schema: Type.Array(Checkpoint) },
    access: at('read'),
    async handle({ params }, g, ctx) {
      const n = await mustExist(ctx, g, params.path, 'read');
      return (await ctx.store.history({ wsid: n.ws.id, objid: n.narrative.objid })).map(checkpointOf);
    },
  }),
  route({
    method: 'post', path: '/contents/{path}/checkpoints', expressPath: '/contents/*path/checkpoints', tag, summary: 'Create a checkpoint: every save is already a version, so this names the latest',
    params: PathParams, response: { status: 201, schema: Checkpoint },
    access: at('write'),
    handle: async ({ params }, g, ctx) => checkpointOf((await readNotebook(ctx, await mustExist(ctx, g, params.path, 'write'))).version),
  }),
  route({
    method: 'post', path: '/contents/{path}/checkpoints/{checkpoint}', expressPath: '/contents/*path/checkpoints/:checkpoint', tag, summary: 'Restore a checkpoint: saves that version again as the newest',
    params: CheckpointParams, response: { status: 204 },
    access: at('write'),
    async handle({ params }, g, ctx) {
      const n = await mustExist(ctx, g, params.path, 'write');
      await revertObject(ctx, signedIn(g), n.ws, String(n.narrative.objid), params.checkpoint);
    },
  }),
  route({
    method: 'delete', path: '/contents/{path}/checkpoints/{checkpoint}', expressPath: '/contents/*path/checkpoints/:checkpoint', tag, summary: 'Refused: versions are immutable',
    params: CheckpointParams, response: { status: 204 },
    access: at('write'),
    async handle() {
      throw conflict('Checkpoints are narrative versions, and versions are never deleted.');
    },
  }),
  route({
    method: 'get', path: '/contents/{path}', expressPath: '/contents{/*path}', tag, summary: 'A narrative as a notebook model, or the directory of my narratives',
    params: PathParams, query: Type.Object({ content: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])), type: Type.Optional(Type.String()), format: Type.Optional(Type.String()), hash: Type.Optional(Type.String()) }),
    response: { status: 200, schema: Model },
    access: at('read'),
    async handle({ params, query }, g, ctx) {
      const withContent = query.content !== '0';
      if ((params.path ?? '').replace(/^\/+|\/+$/g, '') === '') return directoryModel(withContent ? await listModels(ctx, signedIn(g)) : null);
      const n = await mustExist(ctx, g, params.path, 'read');
      if (query.type === 'directory') throw badRequest(`${params.path} is a notebook, not a directory.`);
      const { notebook, version } = await readNotebook(ctx, n);
      return notebookModel(n, await levelOf(ctx.store, g.caller, n.ws), version, withContent ? notebook : undefined);
    },
  }),
  route({
    method: 'put', path: '/contents/{path}', jsonOfAnyContentType: true, expressPath: '/contents/*path', tag, summary: 'Save a narrative (a new version), or create one at a new path',
    params: PathParams, body: NotebookBody, response: { status: 200, schema: Model },
    access: at('write'),
    async handle({ params, body }, g, ctx) {
      const caller = signedIn(g);
      const existing = await narrativeAt(ctx, g, params.path, 'write');
      if (existing) {
        await saveNotebook(ctx, caller, existing, body.content as Notebook);
        return modelOf(ctx, caller, existing.narrative.id);
      }
      const created = await createNarrative(ctx, caller, titleOf(params.path ?? ''), body.content as Notebook);
      return new Reply(201, await modelOf(ctx, caller, created.id));
    },
  }),
  route({
    method: 'post', path: '/contents/{path}', expressPath: '/contents{/*path}', jsonOfAnyContentType: true, tag, summary: 'Create an untitled narrative, or copy one (copy_from)',
    params: PathParams, body: NewBody, response: { status: 201, schema: Model },
    access: () => ({ kind: 'user' }),
    async handle({ params, body }, g, ctx) {
      const caller = signedIn(g);
      if ((params.path ?? '') !== '') throw badRequest('Narratives live in one flat directory: create them at the top.');
      if (body.type === 'directory' || body.type === 'file') throw badRequest('Only notebooks can be created here: narratives are notebooks.');
      if (body.copy_from !== undefined) {
        const sourceId = narrativeIdOf(body.copy_from);
        if (sourceId === null) throw notFound(`There is no narrative at ${body.copy_from}.`);
        const source = await loadNarrative(ctx, sourceId);
        await requireLevel(ctx.store, caller, source.ws, 'read');
        return modelOf(ctx, caller, (await copyNarrative(ctx, caller, source)).id);
      }
      return modelOf(ctx, caller, (await createNarrative(ctx, caller, 'Untitled')).id);
    },
  }),
  route({
    method: 'patch', path: '/contents/{path}', jsonOfAnyContentType: true, expressPath: '/contents/*path', tag, summary: 'Rename a narrative (its title)',
    params: PathParams, body: Type.Object({ path: Type.String({ maxLength: 1024 }) }), response: { status: 200, schema: Model },
    access: at('write'),
    async handle({ params, body }, g, ctx) {
      const n = await mustExist(ctx, g, params.path, 'write');
      const target = narrativeIdOf(body.path);
      if (target !== null && target !== n.narrative.id) throw conflict(`A path ending in (${target}).ipynb names narrative ${target}; to rename this one, keep its id (${n.narrative.id}) or leave the id out.`);
      await renameNarrative(ctx, signedIn(g), n, titleOf(body.path));
      return modelOf(ctx, g.caller, n.narrative.id);
    },
  }),
  route({
    method: 'delete', path: '/contents/{path}', expressPath: '/contents/*path', tag, summary: 'Delete a narrative (its objects stay)',
    params: PathParams, response: { status: 204 },
    access: at('admin'),
    async handle({ params }, g, ctx) {
      await deleteNarrative(ctx, await mustExist(ctx, g, params.path, 'admin'));
    },
  }),
];

/**
 * The narrative a path names: by its id (already authorized by the route), or,
 * for a path without one (JupyterLab keeps the path it saved to), the
 * caller's narrative with exactly that title; null when there is none.
 */
async function narrativeAt(ctx: Context, g: Granted, path: string | undefined, level: Level): Promise<LoadedNarrative | null> {
  if (g.narrative) return g.narrative;
  const caller = signedIn(g);
  const title = titleOf(path ?? '');
  const matches = (await ctx.store.listNarrativesOf(caller.id)).filter((n) => n.title === title);
  if (matches.length > 1) throw conflict(`Several of your narratives are titled "${title}": use a path with the id, such as ${narrativePath(matches[0]!.id, title)}.`);
  if (matches.length === 0) return null;
  const n = await loadNarrative(ctx, matches[0]!.id);
  await requireLevel(ctx.store, caller, n.ws, level);
  return n;
}

async function mustExist(ctx: Context, g: Granted, path: string | undefined, level: Level): Promise<LoadedNarrative> {
  const n = await narrativeAt(ctx, g, path, level);
  if (!n) throw notFound(`There is no narrative at ${path ?? ''}.`);
  return n;
}

async function modelOf(ctx: Context, caller: Caller | null, id: number) {
  const n = await loadNarrative(ctx, id);
  const { version } = await readNotebook(ctx, n);
  return notebookModel(n, await levelOf(ctx.store, caller, n.ws), version);
}

async function listModels(ctx: Context, caller: Caller) {
  const models = [];
  for (const record of await ctx.store.listNarrativesOf(caller.id)) models.push(await modelOf(ctx, caller, record.id));
  return models;
}
