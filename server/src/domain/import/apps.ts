import { createReadStream } from 'node:fs';
import { conflict, forbidden, invalidContent } from '../../errors.js';
import type { AppSpec } from '../../schemas/app-spec.js';
import { registerApp } from '../apps.js';
import type { Context } from '../context.js';
import { ArchivedApp, type ArchiveIndex } from '../../schemas/archive.js';
import type { Caller } from '../permissions.js';
import { fileOf, readJson, type StagedFile } from './stage.js';

/** An app version the archive holds that this server lacks: registered inside the import's transaction. */
export type MissingApp = AppSpec;

/**
 * Decides, before anything is written, what of the archive's apps this
 * server lacks. A version already here must run the same image (else the
 * narrative would re-run something else); one missing is registered only
 * for a developer or admin, the roles that may register apps at all.
 */
export async function missingApps(ctx: Context, caller: Caller, index: ArchiveIndex, staged: Map<string, StagedFile>): Promise<MissingApp[]> {
  const missing: MissingApp[] = [];
  for (const entry of index.apps) {
    const { spec } = await readJson(staged, entry.spec, ArchivedApp, ctx.limits);
    if (spec.id !== entry.id || spec.version !== entry.version) throw invalidContent(`The archive's ${entry.spec} is not the spec of ${entry.id}@${entry.version}.`);
    const existing = await ctx.store.getApp(entry.id, entry.version);
    if (existing) {
      if (existing.spec.container.image.digest !== spec.container.image.digest) {
        throw conflict(`${entry.id}@${entry.version} is registered here with the image ${existing.spec.container.image.digest}, the archive's with ${spec.container.image.digest}: the narrative would re-run another image.`);
      }
      continue;
    }
    if (caller.role === 'user') {
      throw forbidden(`The archive needs the app ${entry.id}@${entry.version}, which is not registered here, and only developers and admins may register apps: ask one to import it, or to register that version first.`);
    }
    missing.push(spec);
  }
  return missing;
}

/**
 * Pushes the missing apps' images from the archive. Images are content
 * addressed and checked against their digest by the store, so one pushed
 * for an import that then fails is harmless: the same bytes a later push would keep.
 */
export async function pushImages(ctx: Context, index: ArchiveIndex, missing: MissingApp[], staged: Map<string, StagedFile>): Promise<void> {
  for (const spec of missing) {
    const image = index.apps.find((a) => a.id === spec.id && a.version === spec.version)?.image;
    if (!image || (await ctx.images.get(image.digest))) continue;
    await ctx.images.add(createReadStream(fileOf(staged, image.path)), image.digest);
  }
}

/** Registers them; `ctx` is the import's transaction. */
export async function registerApps(ctx: Context, caller: Caller, missing: MissingApp[]): Promise<void> {
  for (const spec of missing) await registerApp(ctx, caller, spec);
}
