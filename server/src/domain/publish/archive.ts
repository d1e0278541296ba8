import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Problem } from '../../errors.js';
import type { PublicationEntry, PublicationRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { ArchiveEntry } from '../export/archive/contents.js';
import { archiveBytes, writeArchive } from '../export/archive/write.js';

export interface PublishedArchive {
  fileName: string;
  /** Bytes of the archive, known before the first is sent. */
  size: number;
  write: (out: Writable) => Promise<void>;
  /** The path in the archive of the file a failure of `write` came from, when it names one: for the log. */
  pathOf: (error: unknown) => string | null;
}

const gone = (detail: string) => new Problem(410, 'Part of the publication is gone', detail);

/**
 * A publication's archive, written again from its frozen files with its own
 * date: the same bytes every time. Every file is found and measured before
 * the first byte, so a piece gone from the blob or image store is a refusal
 * naming it (410), not a cut-off archive; a file that no longer hashes as
 * published ends the archive before its manifest.
 */
export async function publishedArchive(ctx: Context, publication: PublicationRecord): Promise<PublishedArchive> {
  const frozen = await ctx.store.publicationEntries(publication.contentId);
  const entries: ArchiveEntry[] = [];
  for (const entry of frozen) entries.push({ path: entry.path, file: await located(ctx, publication, entry), size: entry.size });
  if (archiveBytes(entries) !== publication.size) throw gone(`The record of the files of ${publication.contentId} is incomplete: its archive cannot be written as published.`);
  return {
    fileName: `narrative-${publication.narrativeId}.v${publication.narrativeVersion}.archive.tar`,
    size: publication.size,
    write: (out) => writeArchive(entries, publication.publishedAt, out, frozen.map((e) => e.sha256)),
    pathOf: (error) => pathOfFailure(entries, error),
  };
}

/**
 * Which entry a write failure concerns: a file that changed is named first
 * in the message (`<path> is no longer …`, `<path> changed …`), one that
 * could not be opened by its file on disk (the error's `path`).
 */
export function pathOfFailure(entries: ArchiveEntry[], error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const file = (error as NodeJS.ErrnoException).path;
  const opened = entries.find((e) => 'file' in e && e.file === file);
  if (opened) return opened.path;
  const named = entries.filter((e) => error.message.startsWith(`${e.path} `)).sort((a, b) => b.path.length - a.path.length);
  return named[0]?.path ?? null;
}

/** The file on this server's disk holding an entry's bytes, as large as when it was published. */
async function located(ctx: Context, publication: PublicationRecord, entry: PublicationEntry): Promise<string> {
  const [store, address] = entry.kind === 'blob' ? ['blob store', `sha256 ${entry.sha256}`] : ['image store', `the image ${entry.digest}`];
  const file = entry.kind === 'blob' ? ctx.blobs.path(entry.sha256) : (await ctx.images.get(entry.digest))?.forms['oci-archive'];
  const size = file ? await stat(file).then((s) => s.size, () => null) : null;
  if (file && size === entry.size) return file;
  const what = size === null ? `is no longer in the ${store}` : `has changed in the ${store} (${size} bytes, published with ${entry.size})`;
  throw gone(`Of publication ${publication.contentId}, the file ${entry.path} (${address}) ${what}: its archive cannot be sent.`);
}
