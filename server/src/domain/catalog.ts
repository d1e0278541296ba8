import { conflict, forbidden } from '../errors.js';
import type { AppVersion, CatalogQuery, Channel } from '../schemas/app-spec.js';
import type { AppRecord } from '../store/store.js';
import { describeApp, findApp, requireOwner } from './apps.js';
import type { Context } from './context.js';
import type { Caller } from './permissions.js';

const CHANNELS: readonly Channel[] = ['dev', 'beta', 'release'];

/** The catalog as the Apps panel and `narrative app list` show it. */
export async function listCatalog(ctx: Context, query: CatalogQuery): Promise<AppVersion[]> {
  const words = (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const minimum = CHANNELS.indexOf(query.channel ?? 'dev');
  let apps = (await ctx.store.listApps()).filter((a) => {
    const s = a.spec;
    const text = [a.id, s.name, s.description, ...s.categories].join(' ').toLowerCase();
    return (
      (query.deprecated || !a.deprecated) &&
      CHANNELS.indexOf(a.channel) >= minimum &&
      (!query.category || s.categories.some((c) => c.toLowerCase() === query.category!.toLowerCase())) &&
      words.every((w) => text.includes(w))
    );
  });
  if (query.latest) apps = [...new Map(apps.map((a) => [a.id, a])).values()];
  return Promise.all(apps.map((a) => describeApp(ctx, a)));
}

/**
 * Moves a version forward one or more channels, never back: its developer
 * may take it to beta, only an admin to release. A deprecated version stays where it is.
 */
export async function promoteApp(ctx: Context, caller: Caller, id: string, version: string, channel: Channel): Promise<AppVersion> {
  const app = await findApp(ctx, id, version);
  await requireOwner(ctx, caller, id, 'promote');
  if (channel === 'release' && caller.role !== 'admin') throw forbidden(`Only an admin may release ${id}@${version}; its developer may promote it to beta.`);
  if (app.deprecated) throw conflict(`${id}@${version} is deprecated; register a new version instead.`);
  if (CHANNELS.indexOf(channel) < CHANNELS.indexOf(app.channel)) throw conflict(`${id}@${version} is already in ${app.channel}; channels only move forward (dev → beta → release).`);
  if (channel !== app.channel) await ctx.store.setAppChannel(id, version, channel);
  return describeApp(ctx, { ...app, channel });
}

/** Marks a version as not to be chosen for new work; it still runs, so narratives that used it re-run. */
export async function deprecateApp(ctx: Context, caller: Caller, id: string, version: string, reason: string): Promise<AppVersion> {
  const app = await findApp(ctx, id, version);
  await requireOwner(ctx, caller, id, 'deprecate');
  if (app.deprecated) return describeApp(ctx, app);
  const deprecated = { at: ctx.now(), reason };
  await ctx.store.deprecateApp(id, version, deprecated);
  return describeApp(ctx, { ...app, deprecated } satisfies AppRecord);
}
