import { Type } from '@sinclair/typebox';
import { describeApp, findApp, registerApp } from '../../domain/apps.js';
import { deprecateApp, listCatalog, promoteApp } from '../../domain/catalog.js';
import { AppSpec, AppVersion, APP_VERSION_PATTERN, CatalogQuery, Channel } from '../../schemas/app-spec.js';
import { signedIn } from '../authorize.js';
import { always, Reply, route } from '../route.js';

const tag = 'Apps';
const Segment = Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' });
const AppParams = Type.Object({ module: Segment, name: Segment });
const VersionParams = Type.Object({ module: Segment, name: Segment, version: Type.String({ pattern: APP_VERSION_PATTERN }) });
const developer = () => ({ kind: 'user', role: 'developer' }) as const;

export const appRoutes = [
  route({
    method: 'get', path: '/apps', tag, summary: 'The catalog: app versions, filtered by category, words, channel; deprecated ones only when asked',
    query: CatalogQuery,
    response: { status: 200, schema: Type.Array(AppVersion) },
    access: always.user,
    handle: async ({ query }, _g, ctx) => listCatalog(ctx, query),
  }),
  route({
    method: 'post', path: '/apps', tag,
    summary: "Register an app version (developers, on their own apps); the same spec again is a no-op, a different one a 409. A stored image must be pushed first",
    body: AppSpec, response: { status: 201, schema: AppVersion },
    access: developer,
    async handle({ body }, g, ctx) {
      const { app, created } = await registerApp(ctx, signedIn(g), body);
      return created ? app : new Reply(200, app);
    },
  }),
  route({
    method: 'get', path: '/apps/{module}/{name}', tag, summary: 'One app: its newest version not deprecated, or ?version=',
    params: AppParams, query: Type.Object({ version: Type.Optional(Type.String({ pattern: APP_VERSION_PATTERN })) }, { additionalProperties: false }),
    response: { status: 200, schema: AppVersion },
    access: always.user,
    handle: async ({ params, query }, _g, ctx) => describeApp(ctx, await findApp(ctx, `${params.module}/${params.name}`, query.version)),
  }),
  route({
    method: 'post', path: '/apps/{module}/{name}/{version}/promote', tag, summary: 'Move a version forward: dev → beta (its developer), → release (admins)',
    params: VersionParams, body: Type.Object({ channel: Channel }, { additionalProperties: false }), response: { status: 200, schema: AppVersion },
    access: developer,
    handle: async ({ params, body }, g, ctx) => promoteApp(ctx, signedIn(g), `${params.module}/${params.name}`, params.version, body.channel),
  }),
  route({
    method: 'post', path: '/apps/{module}/{name}/{version}/deprecate', tag, summary: 'Deprecate a version (its developer or an admin): hidden from the catalog, still runnable for re-runs',
    params: VersionParams, body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }), response: { status: 200, schema: AppVersion },
    access: developer,
    handle: async ({ params, body }, g, ctx) => deprecateApp(ctx, signedIn(g), `${params.module}/${params.name}`, params.version, body.reason),
  }),
];
