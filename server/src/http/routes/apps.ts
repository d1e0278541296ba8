import { Type } from '@sinclair/typebox';
import { describeApp, findApp, registerApp } from '../../domain/apps.js';
import { AppSpec, AppVersion, APP_VERSION_PATTERN } from '../../schemas/app-spec.js';
import { signedIn } from '../authorize.js';
import { always, Reply, route } from '../route.js';

const tag = 'Apps';
const AppParams = Type.Object({ module: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }), name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }) });

export const appRoutes = [
  route({
    method: 'get', path: '/apps', tag, summary: 'The catalog: every registered app version', response: { status: 200, schema: Type.Array(AppVersion) },
    access: always.user,
    handle: async (_i, _g, ctx) => Promise.all((await ctx.store.listApps()).map((a) => describeApp(ctx, a))),
  }),
  route({
    method: 'post', path: '/apps', tag, summary: 'Register an app version (developers); registering the same spec again is a no-op, a different one a 409',
    body: AppSpec, response: { status: 201, schema: AppVersion },
    access: () => ({ kind: 'user', role: 'developer' }),
    async handle({ body }, g, ctx) {
      const { app, created } = await registerApp(ctx, signedIn(g), body);
      return created ? app : new Reply(200, app);
    },
  }),
  route({
    method: 'get', path: '/apps/{module}/{name}', tag, summary: 'One app: its newest version, or ?version=',
    params: AppParams, query: Type.Object({ version: Type.Optional(Type.String({ pattern: APP_VERSION_PATTERN })) }, { additionalProperties: false }),
    response: { status: 200, schema: AppVersion },
    access: always.user,
    handle: async ({ params, query }, _g, ctx) => describeApp(ctx, await findApp(ctx, `${params.module}/${params.name}`, query.version)),
  }),
];
