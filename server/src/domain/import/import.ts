import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { NarrativeRecord } from '../../store/store.js';
import { inTransaction, type Context } from '../context.js';
import { ArchiveIndex } from '../../schemas/archive.js';
import { ARCHIVE_INDEX } from '../export/archive/contents.js';
import { createNarrative, loadNarrative, saveNotebook } from '../narratives.js';
import type { Notebook } from '../notebook.js';
import type { Caller } from '../permissions.js';
import { missingApps, pushImages, registerApps } from './apps.js';
import { checkArchivedJobs, completeRestoredJobs, createRestoredJobs } from './jobs.js';
import { withRestoredRefs } from './notebook.js';
import { readJson, stageArchive } from './stage.js';
import { putBlobs, restoreVersions, summariesOf } from './versions.js';

/** nbformat is checked where a notebook is saved; here only that it is a notebook with cells. */
const NotebookFile = Type.Object({ cells: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

/**
 * Imports an offline archive (`narrative export --format archive`) as a new
 * narrative the caller owns. Every file is checked against the manifest
 * before any is used; then the apps are decided (a refusal here writes
 * nothing), images and blobs put in their content-addressed stores, and the
 * narrative, its versions and any app registrations made in one
 * transaction: the import is all there or not at all.
 */
export async function importArchive(ctx: Context, caller: Caller, source: AsyncIterable<Buffer>): Promise<NarrativeRecord> {
  const dir = await mkdtemp(join(tmpdir(), 'narrative-import-'));
  try {
    const staged = await stageArchive(source, dir, { fileBytes: Math.max(ctx.limits.blobBytes, ctx.limits.imageBytes), totalBytes: ctx.limits.archiveBytes });
    // Its format is part of its schema: an archive of another format is refused here, naming the field.
    const index = await readJson(staged, ARCHIVE_INDEX, ArchiveIndex, ctx.limits);
    const notebook = (await readJson(staged, index.narrative.notebook, NotebookFile, ctx.limits)) as Notebook;
    const runs = checkArchivedJobs(index);
    const missing = await missingApps(ctx, caller, index, staged);
    await pushImages(ctx, index, missing, staged);
    await putBlobs(ctx, caller, index, staged);
    const summaries = await summariesOf(ctx, index);
    return await inTransaction(ctx, async (tx) => {
      await registerApps(tx, caller, missing);
      // The first version already drops the cells' foreign job ids; the second points their inputs and runs at the restored ones.
      const created = await createNarrative(tx, caller, index.narrative.title, withRestoredRefs(notebook, new Map(), new Map()));
      const loaded = await loadNarrative(tx, created.id);
      const jobs = await createRestoredJobs(tx, caller, loaded.ws.id, created.id, runs);
      const restored = await restoreVersions(tx, caller, loaded.ws, { from: index.narrative.id, to: created.id }, { index, staged, jobs, summaries });
      await completeRestoredJobs(tx, runs, jobs, restored);
      await saveNotebook(tx, caller, loaded, withRestoredRefs(notebook, restored, jobs));
      return (await tx.store.getNarrative(created.id))!;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
