import { Type } from '@sinclair/typebox';
import { createWorkspace, describeGrants, describeWorkspace, listPublicWorkspaces, listWorkspaces, publishWorkspace, setGrant, setPublic } from '../../domain/workspaces.js';
import { Grant, Grants, NewWorkspace, PublicFlag, Workspace } from '../../schemas/api.js';
import { IdOrName } from '../../schemas/common.js';
import { signedIn } from '../authorize.js';
import { onWorkspace, grantedWorkspace } from '../access.js';
import { always, route } from '../route.js';

const tag = 'Workspaces';
const WsParams = Type.Object({ ws: IdOrName });
const ListWorkspacesQuery = Type.Object(
  { public: Type.Optional(Type.Boolean({ description: 'true: every public workspace (published ones included), whoever owns it, instead of those I own or was given' })) },
  { additionalProperties: false },
);

export const workspaceRoutes = [
  route({
    method: 'get', path: '/workspaces', tag, summary: 'Workspaces I own or was given access to, or (?public=true) every public workspace',
    query: ListWorkspacesQuery, response: { status: 200, schema: Type.Array(Workspace) },
    access: always.user,
    handle: async ({ query }, g, ctx) => (query.public ? listPublicWorkspaces(ctx, signedIn(g)) : listWorkspaces(ctx, signedIn(g))),
  }),
  route({
    method: 'post', path: '/workspaces', tag, summary: 'Create a workspace', body: NewWorkspace, response: { status: 201, schema: Workspace },
    access: always.user,
    async handle({ body }, g, ctx) {
      const caller = signedIn(g);
      return describeWorkspace(ctx, caller, await createWorkspace(ctx, caller, body.name));
    },
  }),
  route({
    method: 'get', path: '/workspaces/{ws}', tag, summary: 'One workspace, with my level in it', params: WsParams, response: { status: 200, schema: Workspace },
    access: onWorkspace('read'),
    handle: async (_i, g, ctx) => describeWorkspace(ctx, g.caller, grantedWorkspace(g)),
  }),
  route({
    method: 'get', path: '/workspaces/{ws}/permissions', tag, summary: 'Who has access', params: WsParams, response: { status: 200, schema: Grants },
    access: onWorkspace('read'),
    handle: async (_i, g, ctx) => describeGrants(ctx, grantedWorkspace(g)),
  }),
  route({
    method: 'put', path: '/workspaces/{ws}/permissions', tag, summary: "Set a user's level (none removes it)", params: WsParams, body: Grant, response: { status: 200, schema: Grants },
    access: onWorkspace('admin'),
    async handle({ body }, g, ctx) {
      await setGrant(ctx, grantedWorkspace(g), body.user, body.level);
      return describeGrants(ctx, grantedWorkspace(g));
    },
  }),
  route({
    method: 'put', path: '/workspaces/{ws}/public', tag, summary: 'Make readable by anyone, or not', params: WsParams, body: PublicFlag, response: { status: 200, schema: Workspace },
    access: onWorkspace('admin'),
    async handle({ body }, g, ctx) {
      await setPublic(ctx, grantedWorkspace(g), body.public);
      return describeWorkspace(ctx, g.caller, (await ctx.store.getWorkspace(grantedWorkspace(g).id))!);
    },
  }),
  route({
    method: 'post', path: '/workspaces/{ws}/publish', tag, summary: 'Publish: public and read-only forever', params: WsParams, response: { status: 200, schema: Workspace },
    access: onWorkspace('admin'),
    async handle(_i, g, ctx) {
      await publishWorkspace(ctx, grantedWorkspace(g));
      return describeWorkspace(ctx, g.caller, (await ctx.store.getWorkspace(grantedWorkspace(g).id))!);
    },
  }),
];
