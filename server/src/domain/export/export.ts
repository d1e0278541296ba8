import type { Writable } from 'node:stream';
import type { ExportFormat, NarrativeExportFormat, ProvDocument } from '../../schemas/export.js';
import { archiveEntries, type ArchiveEntry } from './archive/contents.js';
import { archiveBytes, writeArchive } from './archive/write.js';
import type { WorkspaceRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { LoadedNarrative } from '../narratives.js';
import { refuseKernelDownload, type Caller } from '../permissions.js';
import { buildCrate } from './crate/crate.js';
import { renderPreview } from './crate/preview.js';
import { writeCrateZip } from './crate/zip.js';
import { lineageGraph } from './lineage-graph.js';
import { narrativeGraph } from './narrative-graph.js';
import { provDocument } from './prov.js';
import type { RunGraph } from './run-graph.js';

/**
 * Exports of a narrative or of an object version's lineage. The caller has
 * read access to the narrative or object (the route checked it); everything
 * else the export names is shown only as far as they may read it. `base` is
 * the server's origin as the caller reached it, under which the export names
 * objects, jobs and apps.
 */
export type Exported =
  | { format: 'prov'; fileName: string; document: ProvDocument }
  | { format: 'ro-crate'; fileName: string; write: (out: Writable) => Promise<void> }
  | { format: 'archive'; fileName: string; size: number; write: (out: Writable) => Promise<void> };

export async function exportNarrative(ctx: Context, caller: Caller | null, loaded: LoadedNarrative, format: NarrativeExportFormat, base: string): Promise<Exported> {
  if (format !== 'prov') refuseKernelDownload(caller, format === 'archive' ? 'An offline archive' : 'An RO-Crate');
  const graph = await narrativeGraph(ctx, caller, loaded, base);
  if (format !== 'archive') return exported(ctx, graph, format);
  const entries = await narrativeArchive(ctx, graph, loaded.narrative.id);
  return { format, fileName: `${graph.slug}.archive.tar`, size: archiveBytes(entries), write: (out) => writeArchive(entries, graph.exportedAt, out) };
}

/**
 * Every file of a narrative's offline archive, as an export sends it and a
 * publication freezes it: the one way both build it. Every file is inside,
 * whatever its size (the archive is the export that holds every byte), and
 * found and measured before the first byte: what is missing is a refusal,
 * not a cut-off archive.
 */
export async function narrativeArchive(ctx: Context, graph: RunGraph, narrativeId: number): Promise<ArchiveEntry[]> {
  const crate = buildCrate(graph, Number.MAX_SAFE_INTEGER);
  return archiveEntries(ctx, graph, crate, await renderPreview(crate.metadata), narrativeId);
}

export async function exportObject(ctx: Context, caller: Caller | null, ws: WorkspaceRecord, object: string, ver: number | undefined, format: ExportFormat, base: string): Promise<Exported> {
  if (format !== 'prov') refuseKernelDownload(caller, 'An RO-Crate');
  return exported(ctx, await lineageGraph(ctx, caller, ws, object, ver, base), format);
}

async function exported(ctx: Context, graph: RunGraph, format: ExportFormat): Promise<Exported> {
  if (format === 'prov') return { format, fileName: `${graph.slug}.prov.json`, document: provDocument(graph) };
  const crate = buildCrate(graph);
  // Rendered before anything is sent: a failure here is still an error response, not a cut-off zip.
  const preview = await renderPreview(crate.metadata);
  return { format, fileName: `${graph.slug}.ro-crate.zip`, write: (out) => writeCrateZip(ctx.blobs, crate, preview, graph.exportedAt, out) };
}
