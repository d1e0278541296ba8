import { isDeepStrictEqual } from 'node:util';
import { recipeProblems } from '@narrative/launcher-native';
import { conflict, forbidden, invalidContent, notFound } from '../errors.js';
import type { AppSpec, AppVersion } from '../schemas/app-spec.js';
import { createAjv } from '../schemas/validation.js';
import type { AppRecord } from '../store/store.js';
import { inTransaction, type Context } from './context.js';
import { imageProblems } from './images.js';
import type { Caller } from './permissions.js';

/**
 * Registering app versions (never changing one) and finding them. Types its
 * inputs and outputs name must exist; its params must be a JSON Schema that
 * compiles; its image must be pinned by digest and, if stored here, be here.
 * An app belongs to whoever registered its first version: only they (or an
 * admin) add versions to it.
 */
export async function registerApp(ctx: Context, caller: Caller, spec: AppSpec): Promise<{ app: AppVersion; created: boolean }> {
  await requireValidSpec(ctx, spec);

  // One transaction: the owner check and the insert cannot be split by another developer's first registration.
  return inTransaction(ctx, async (tx) => {
    const existing = await tx.store.getApp(spec.id, spec.version);
    if (existing) {
      if (!isDeepStrictEqual(existing.spec, spec)) throw conflict(`${spec.id}@${spec.version} is already registered with a different spec; a registered version never changes: register a new version.`);
      return { app: await describeApp(tx, existing), created: false };
    }
    return insertVersion(tx, caller, spec);
  });
}

/**
 * Registers one of the apps the server builds by itself (server/src/bundled/),
 * as the admin given, straight into release (they ship with the platform): one
 * transaction, so a crash leaves the version absent or released, never stuck
 * in dev. The same spec found in dev, registered by the same admin (by a start
 * that registered and released in two steps), is released.
 */
export async function registerBundledApp(ctx: Context, admin: Caller, spec: AppSpec): Promise<{ app: AppVersion; created: boolean }> {
  if (admin.role !== 'admin') throw forbidden(`Only an admin registers the bundled apps; ${admin.name} is not one.`);
  await requireValidSpec(ctx, spec);
  return inTransaction(ctx, async (tx) => {
    const existing = await tx.store.getApp(spec.id, spec.version);
    if (!existing) return insertVersion(tx, admin, spec, 'release');
    if (!isDeepStrictEqual(existing.spec, spec)) throw conflict(`${spec.id}@${spec.version} is already registered with a different spec; a registered version never changes: bundle a new version.`);
    if (existing.channel !== 'dev' || existing.registeredBy !== admin.id || existing.deprecated) return { app: await describeApp(tx, existing), created: false };
    await tx.store.setAppChannel(spec.id, spec.version, 'release');
    return { app: await describeApp(tx, { ...existing, channel: 'release' }), created: false };
  });
}

async function requireValidSpec(ctx: Context, spec: AppSpec): Promise<void> {
  const problems = await specProblems(ctx, spec);
  if (problems.length > 0) throw invalidContent(`The app spec of ${spec.id}@${spec.version} is not valid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
}

async function insertVersion(ctx: Context, caller: Caller, spec: AppSpec, channel: AppRecord['channel'] = 'dev'): Promise<{ app: AppVersion; created: boolean }> {
  await requireOwner(ctx, caller, spec.id, 'add versions to');
  // A path or engine image on the nodes is the operator's to vouch for: its digest is not checked, and a path could name the host's own root.
  if ('location' in spec.container.image && caller.role !== 'admin') {
    throw forbidden('Only an admin may register an app on an image placed outside the image store; build it (narrative app build) and register the directory, which pushes it.');
  }
  const record: AppRecord = { id: spec.id, version: spec.version, spec, channel, registeredBy: caller.id, registeredAt: ctx.now(), deprecated: null };
  await ctx.store.registerApp(record);
  return { app: await describeApp(ctx, record), created: true };
}

async function specProblems(ctx: Context, spec: AppSpec): Promise<{ path: string; message: string }[]> {
  const problems: { path: string; message: string }[] = [];
  const known = new Set(ctx.types.list().map((t) => t.id));
  spec.inputs.forEach((input, i) => input.types.forEach((t, j) => known.has(t) || problems.push({ path: `/inputs/${i}/types/${j}`, message: `unknown type ${t}` })));
  spec.outputs.forEach((output, i) => known.has(output.type) || problems.push({ path: `/outputs/${i}/type`, message: `unknown type ${output.type}` }));
  try {
    createAjv().compile(spec.params);
  } catch (error) {
    problems.push({ path: '/params', message: `is not a usable JSON Schema: ${(error as Error).message}` });
  }
  const names = [...spec.inputs.map((i) => i.name), ...spec.outputs.map((o) => o.name)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push({ path: '/inputs', message: `the name ${dup} is used twice among inputs and outputs` });
  if (spec.randomSeed && (spec.params.properties['seed'] as { type?: unknown } | undefined)?.type !== 'integer') {
    problems.push({ path: '/randomSeed', message: 'needs an integer param `seed` in params.properties, where each run gets its seed' });
  }
  if (spec.container.recipe) problems.push(...recipeProblems(spec.container.recipe).map((p) => ({ ...p, path: `/container/recipe${p.path}` })));
  problems.push(...(await imageProblems(ctx, spec.container.image)));
  return problems;
}

/** Who may change an app: the developer who registered its first version, and admins. */
export async function requireOwner(ctx: Context, caller: Caller, id: string, action: string): Promise<void> {
  if (caller.role === 'admin') return;
  const first = (await ctx.store.listApps()).find((a) => a.id === id);
  if (first && first.registeredBy !== caller.id) {
    const owner = await ctx.store.findUserById(first.registeredBy);
    throw forbidden(`${id} belongs to ${owner?.name ?? 'another developer'}; only they or an admin may ${action} it.`);
  }
}

/** `module/name@version`, or the newest version of `module/name` not deprecated (the newest of all if every one is). */
export async function findApp(ctx: Context, id: string, version?: string): Promise<AppRecord> {
  if (version) {
    const app = await ctx.store.getApp(id, version);
    if (!app) throw notFound(`There is no app ${id}@${version}.`);
    return app;
  }
  const versions = (await ctx.store.listApps()).filter((a) => a.id === id);
  const app = versions.filter((a) => !a.deprecated).at(-1) ?? versions.at(-1);
  if (!app) throw notFound(`There is no app ${id}.`);
  return app;
}

export async function describeApp(ctx: Context, app: AppRecord): Promise<AppVersion> {
  const by = await ctx.store.findUserById(app.registeredBy);
  return { id: app.id, version: app.version, channel: app.channel, registeredBy: by?.name ?? 'unknown', registeredAt: app.registeredAt, deprecated: app.deprecated, spec: app.spec };
}
