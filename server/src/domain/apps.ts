import { isDeepStrictEqual } from 'node:util';
import { conflict, invalidContent, notFound } from '../errors.js';
import type { AppSpec, AppVersion } from '../schemas/app-spec.js';
import { createAjv } from '../schemas/validation.js';
import type { AppRecord } from '../store/store.js';
import type { Context } from './context.js';
import type { Caller } from './permissions.js';

/**
 * The app catalog: registering a version (never changing one) and finding
 * one. Types its inputs and outputs name must exist; its params must be a
 * JSON Schema that compiles.
 */
export async function registerApp(ctx: Context, caller: Caller, spec: AppSpec): Promise<{ app: AppVersion; created: boolean }> {
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
  if (problems.length > 0) throw invalidContent(`The app spec of ${spec.id}@${spec.version} is not valid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);

  const existing = await ctx.store.getApp(spec.id, spec.version);
  if (existing) {
    if (!isDeepStrictEqual(existing.spec, spec)) throw conflict(`${spec.id}@${spec.version} is already registered with a different spec; a registered version never changes: register a new version.`);
    return { app: await describeApp(ctx, existing), created: false };
  }
  const record: AppRecord = { id: spec.id, version: spec.version, spec, channel: 'dev', registeredBy: caller.id, registeredAt: ctx.now() };
  await ctx.store.registerApp(record);
  return { app: await describeApp(ctx, record), created: true };
}

/** `module/name@version`, or the newest registration of `module/name`. */
export async function findApp(ctx: Context, id: string, version?: string): Promise<AppRecord> {
  const app = version ? await ctx.store.getApp(id, version) : (await ctx.store.listApps()).filter((a) => a.id === id).at(-1);
  if (!app) throw notFound(version ? `There is no app ${id}@${version}.` : `There is no app ${id}.`);
  return app;
}

export async function describeApp(ctx: Context, app: AppRecord): Promise<AppVersion> {
  const by = await ctx.store.findUserById(app.registeredBy);
  return { id: app.id, version: app.version, channel: app.channel, registeredBy: by?.name ?? 'unknown', registeredAt: app.registeredAt, spec: app.spec };
}
