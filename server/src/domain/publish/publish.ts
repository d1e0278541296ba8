import type { PublicationRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import { narrativeArchive } from '../export/export.js';
import { narrativeGraph } from '../export/narrative-graph.js';
import type { RunGraph } from '../export/run-graph.js';
import { archiveBytes } from '../export/archive/write.js';
import type { LoadedNarrative } from '../narratives.js';
import type { Caller } from '../permissions.js';
import { keyOfRef } from '../refs.js';
import { contentIdOf } from './content-id.js';
import { freezeEntries } from './freeze.js';

/**
 * Publishes the narrative's current notebook version: its offline archive
 * (what `export --format archive` sends, every byte inside) is built once,
 * each file kept by content address, and recorded under its content id.
 * The crate inside carries this moment and the server's address as the
 * caller reached it; that is fine, because the frozen files are what is
 * served from now on, never a rebuild. A version published already answers
 * its publication (`created` false). The files are stored before the record:
 * a failure leaves only content-addressed bytes that nothing names.
 */
export async function publishNarrativeVersion(ctx: Context, caller: Caller, loaded: LoadedNarrative, base: string): Promise<{ publication: PublicationRecord; created: boolean }> {
  const { narrative, ws } = loaded;
  const head = await ctx.store.getObjectHead({ wsid: ws.id, objid: narrative.objid });
  // Building an archive stores every byte made for it: a version published already is answered without one.
  const existing = head && (await ctx.store.findPublication(narrative.id, head.latestVer));
  if (existing) return { publication: existing, created: false };
  const graph = await narrativeGraph(ctx, caller, loaded, base);
  const entries = await narrativeArchive(ctx, graph, narrative.id);
  // The version inside the archive: a save since the check above makes it a newer one than `head` said.
  const notebook = graph.workflow.ref;
  if (!notebook) throw new Error(`narrative ${narrative.id}: its graph names no notebook version`);
  const { frozen, manifest } = await freezeEntries(ctx, entries);
  return ctx.store.createPublication({
    contentId: contentIdOf(manifest),
    narrativeId: narrative.id,
    wsid: ws.id,
    workspaces: drawnFrom(graph, ws.id),
    narrativeVersion: keyOfRef(notebook).ver,
    title: graph.title,
    publishedBy: caller.id,
    // The archive's own date (its tar headers', its crate's datePublished): writing it again needs the same one.
    publishedAt: graph.exportedAt,
    size: archiveBytes(entries),
    entries: frozen,
  });
}

/**
 * The workspaces the archive holds data of, ascending: the narrative's own,
 * and that of every version in its index (a cell's input may come from
 * another workspace the publisher reads; a carried job is one of a version's
 * workspace). The archive was built with the publisher's rights, so reading
 * it needs read access to each of them, as exporting it does.
 */
function drawnFrom(graph: RunGraph, narrativeWs: number): number[] {
  const ids = new Set([narrativeWs]);
  for (const [ref, node] of graph.versions) {
    // The archive refused to be built without every record: one missing here is a bug, not a version to skip.
    if (!node.record) throw new Error(`the archive holds ${ref} but its graph has no record of it`);
    ids.add(node.record.wsid);
  }
  return [...ids].sort((a, b) => a - b);
}
