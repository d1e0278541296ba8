import { stat } from 'node:fs/promises';
import { Problem } from '../../../errors.js';
import { ARCHIVE_FORMAT, type ArchiveIndex } from '../../../schemas/archive.js';
import type { AppRecord } from '../../../store/store.js';
import type { Context } from '../../context.js';
import type { BuiltCrate } from '../crate/crate.js';
import { versionDir } from '../crate/ids.js';
import { METADATA_FILE, PREVIEW_FILE } from '../crate/zip.js';
import type { RunGraph } from '../run-graph.js';
import { archivedJobs } from './jobs.js';

export const ARCHIVE_INDEX = 'archive.json';
export const MANIFEST = 'manifest-sha256.txt';

/** One file of the archive: bytes made here, or a file on the server's disk (a blob, an image) streamed when reached. */
export type ArchiveEntry = { path: string; bytes: Buffer } | { path: string; file: string; size: number };

/**
 * Every file of an offline archive, in order: the RO-Crate (metadata,
 * preview, notebook, versions' data and every file, built to hold them
 * all whatever their size), the app specs (recipes within), the
 * index and each image's OCI archive. Everything is found before the first
 * byte is sent, so what is missing is a refusal and not a cut-off archive.
 */
export async function archiveEntries(ctx: Context, graph: RunGraph, crate: BuiltCrate, preview: string, narrativeId: number): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [
    { path: METADATA_FILE, bytes: Buffer.from(`${JSON.stringify(crate.metadata, null, 2)}\n`) },
    { path: PREVIEW_FILE, bytes: Buffer.from(preview) },
  ];
  for (const content of crate.contents) {
    entries.push('bytes' in content ? content : { path: content.path, file: await blobPath(ctx, content.blob, content.path), size: content.size });
  }
  const index: ArchiveIndex = { format: ARCHIVE_FORMAT, narrative: { id: narrativeId, title: graph.title, notebook: graph.workflow.fileName }, versions: [], jobs: await archivedJobs(ctx, graph, narrativeId), apps: [] };
  for (const node of graph.versions.values()) {
    if (!node.record) throw new Problem(403, 'Not all of the narrative can be archived', `The version ${node.ref} its runs used is not readable by you: an archive holds every byte, so it cannot be made.`);
    const { data: _data, ...record } = node.record;
    const dir = versionDir(node.ref);
    index.versions.push({ ref: node.ref, dir, record });
  }
  const images: ArchiveEntry[] = [];
  const seen = new Set<string>();
  for (const step of graph.steps) {
    const key = `${step.app.id}@${step.app.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const app = await ctx.store.getApp(step.app.id, step.app.version);
    if (!app) throw new Problem(409, 'An app is missing', `The app ${key} a cell names is not registered here: the archive cannot hold it.`);
    const spec = `apps/${app.id}/${app.version}.json`;
    entries.push({ path: spec, bytes: Buffer.from(`${JSON.stringify(appFile(app), null, 2)}\n`) });
    const image = await imageEntry(ctx, app);
    if (image && !images.some((i) => i.path === image.path)) images.push(image);
    index.apps.push({ id: app.id, version: app.version, spec, image: image && { digest: app.spec.container.image.digest, path: image.path } });
  }
  entries.push({ path: ARCHIVE_INDEX, bytes: Buffer.from(`${JSON.stringify(index, null, 2)}\n`) }, ...images);
  return entries;
}

/** The app version as registered: its spec (with its image recipe, when it has one) and channel. */
const appFile = (app: AppRecord) => ({ id: app.id, version: app.version, channel: app.channel, spec: app.spec });

/** A stored image's OCI archive; an image kept by the operator elsewhere (not in the store) travels by its digest alone. */
async function imageEntry(ctx: Context, app: AppRecord): Promise<ArchiveEntry | null> {
  const image = app.spec.container.image;
  if ('format' in image) return null;
  const stored = await ctx.images.get(image.digest);
  const file = stored?.forms['oci-archive'];
  if (!stored || !file) throw new Problem(410, 'An image is missing', `The image ${image.digest} of ${app.id}@${app.version} is not in the image store: the archive cannot hold it.`);
  return { path: `images/${image.digest.replace(':', '/')}.oci.tar`, file, size: (await stat(file)).size };
}

async function blobPath(ctx: Context, sha256: string, path: string): Promise<string> {
  const file = ctx.blobs.path(sha256);
  await stat(file).catch(() => {
    throw new Problem(410, 'A file is missing', `The file ${path} (sha256 ${sha256}) is no longer in the blob store: the archive cannot hold it.`);
  });
  return file;
}
