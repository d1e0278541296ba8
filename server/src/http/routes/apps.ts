import { Type } from '@sinclair/typebox';
import { bundledAppsOf } from '../../bundled/attach.js';
import { forUser, forUsers } from '../../bundled/progress.js';
import { APP_STILL_BEING_BUILT } from '../../bundled/still-building.js';
import { describeApp, findApp, registerApp } from '../../domain/apps.js';
import { deprecateApp, listCatalog, promoteApp } from '../../domain/catalog.js';
import type { Context } from '../../domain/context.js';
import { notFound, Problem } from '../../errors.js';
import { AppSpec, AppVersion, APP_VERSION_PATTERN, CatalogQuery, Channel } from '../../schemas/app-spec.js';
import { BundledApps } from '../../schemas/bundled.js';
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
    method: 'get', path: '/apps/bundled', tag,
    summary: "The apps this server builds and registers by itself on its first start (NARRATIVE_BUNDLED_APPS), and how far each has got",
    response: { status: 200, schema: BundledApps },
    access: always.user,
    handle: async (_i, g, ctx) => {
      const status = bundledAppsOf(ctx)?.progress.snapshot() ?? { enabled: false, message: 'This server builds no bundled apps.', done: true, apps: [] };
      // Errors may hold the server's paths and apt's whole output: the operator's to read.
      return signedIn(g).role === 'admin' ? status : forUsers(status);
    },
  }),
  route({
    method: 'get', path: '/apps/{module}/{name}', tag, summary: 'One app: its newest version not deprecated, or ?version=',
    params: AppParams, query: Type.Object({ version: Type.Optional(Type.String({ pattern: APP_VERSION_PATTERN })) }, { additionalProperties: false }),
    response: { status: 200, schema: AppVersion },
    access: always.user,
    handle: async ({ params, query }, g, ctx) => {
      const id = `${params.module}/${params.name}`;
      try {
        return await describeApp(ctx, await findApp(ctx, id, query.version));
      } catch (error) {
        throw notYetBuilt(ctx, g.caller?.role === 'admin', error, id, query.version) ?? error;
      }
    },
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

/**
 * A bundled app's version not registered yet is on its way, not missing: an
 * app cell naming it (the example narrative's) says so, and how far it is.
 */
function notYetBuilt(ctx: Context, admin: boolean, error: unknown, id: string, version: string | undefined): Problem | null {
  const pending = version && error instanceof Problem && error.status === 404 ? bundledAppsOf(ctx)?.pending(id, version) : undefined;
  if (!pending) return null;
  if (pending.state === 'failed') {
    const why = pending.error ?? pending.message;
    return notFound(`${id}@${version} is one of this server's bundled apps, but it could not be built: ${admin ? why : forUser(why)}`);
  }
  const percent = pending.percent === null ? '' : ` (${pending.percent} %)`;
  return new Problem(404, APP_STILL_BEING_BUILT, `${id}@${version} is one of this server's bundled apps and is still being built${percent}: it can run as soon as it is ready (the Apps panel shows how far it has got).`);
}
