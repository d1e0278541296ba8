import { Type } from '@sinclair/typebox';
import { copyNarrative, createNarrative, deleteNarrative, describeNarrative, listNarratives, loadNarrative, readNotebook, renameNarrative, type LoadedNarrative } from '../../domain/narratives.js';
import { publishWorkspace, setGrant, setPublic } from '../../domain/workspaces.js';
import type { Context } from '../../domain/context.js';
import type { Caller } from '../../domain/permissions.js';
import { CopyNarrative, Narrative, NewNarrative, RenameNarrative, ShareNarrative } from '../../schemas/api.js';
import { PositiveInt } from '../../schemas/common.js';
import { signedIn } from '../authorize.js';
import { onNarrative } from '../access.js';
import { always, route, type Granted } from '../route.js';

const tag = 'Narratives';
const IdParams = Type.Object({ id: PositiveInt });
const loaded = (g: Granted) => g.narrative!;
/** Re-reads after a change so the answer shows the new state. */
const fresh = async (ctx: Context, caller: Caller | null, n: LoadedNarrative) => describeNarrative(ctx, caller, await loadNarrative(ctx, n.narrative.id));

export const narrativeRoutes = [
  route({
    method: 'get', path: '/narratives', tag, summary: 'Narratives I own or was given access to', response: { status: 200, schema: Type.Array(Narrative) },
    access: always.user,
    handle: async (_i, g, ctx) => listNarratives(ctx, signedIn(g)),
  }),
  route({
    method: 'post', path: '/narratives', tag, summary: 'Create a narrative and its workspace', body: NewNarrative, response: { status: 201, schema: Narrative },
    access: always.user,
    async handle({ body }, g, ctx) {
      const caller = signedIn(g);
      const created = await createNarrative(ctx, caller, body.title);
      return describeNarrative(ctx, caller, await loadNarrative(ctx, created.id));
    },
  }),
  route({
    method: 'get', path: '/narratives/{id}', tag, summary: 'One narrative, with my level in it', params: IdParams, response: { status: 200, schema: Narrative },
    access: onNarrative('read'),
    handle: async (_i, g, ctx) => describeNarrative(ctx, g.caller, loaded(g)),
  }),
  route({
    method: 'get', path: '/narratives/{id}/notebook', tag, summary: 'The notebook (nbformat 4), latest or a given version',
    params: IdParams, query: Type.Object({ ver: Type.Optional(PositiveInt) }, { additionalProperties: false }), response: { status: 200, schema: Type.Unknown() },
    access: onNarrative('read'),
    handle: async ({ query }, g, ctx) => (await readNotebook(ctx, loaded(g), query.ver)).notebook,
  }),
  route({
    // By id, for clients that are not a file browser; the same rename as PATCH /contents/{path} (the lab's).
    method: 'patch', path: '/narratives/{id}', tag, summary: 'Rename a narrative: a new title, saved in a new notebook version too',
    params: IdParams, body: RenameNarrative, response: { status: 200, schema: Narrative },
    access: onNarrative('write'),
    async handle({ body }, g, ctx) {
      await renameNarrative(ctx, signedIn(g), loaded(g), body.title);
      return fresh(ctx, g.caller, loaded(g));
    },
  }),
  route({
    method: 'post', path: '/narratives/{id}/copy', tag, summary: 'Copy a narrative I can read into a new one I own, with its data',
    params: IdParams, body: CopyNarrative, response: { status: 201, schema: Narrative },
    access: onNarrative('read'),
    async handle({ body }, g, ctx) {
      const caller = signedIn(g);
      const copy = await copyNarrative(ctx, caller, loaded(g), body.title);
      return describeNarrative(ctx, caller, await loadNarrative(ctx, copy.id));
    },
  }),
  route({
    method: 'put', path: '/narratives/{id}/share', tag, summary: 'Share: set a user\'s level, or make public (or not)',
    params: IdParams, body: ShareNarrative, response: { status: 200, schema: Narrative },
    access: onNarrative('admin'),
    async handle({ body }, g, ctx) {
      const n = loaded(g);
      if ('public' in body) await setPublic(ctx, n.ws, body.public);
      else await setGrant(ctx, n.ws, body.user, body.level);
      return fresh(ctx, g.caller, n);
    },
  }),
  route({
    method: 'post', path: '/narratives/{id}/publish', tag, summary: 'Publish: public and read-only forever', params: IdParams, response: { status: 200, schema: Narrative },
    access: onNarrative('admin'),
    async handle(_i, g, ctx) {
      await publishWorkspace(ctx, loaded(g).ws);
      return fresh(ctx, g.caller, loaded(g));
    },
  }),
  route({
    method: 'delete', path: '/narratives/{id}', tag, summary: 'Delete a narrative (its objects stay, citable by ref)', params: IdParams, response: { status: 204 },
    access: onNarrative('admin'),
    async handle(_i, g, ctx) {
      await deleteNarrative(ctx, loaded(g));
    },
  }),
];

