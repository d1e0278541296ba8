import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { BlobStore } from '../../../blobs/blob-store.js';
import type { BuiltCrate } from './crate.js';

export const METADATA_FILE = 'ro-crate-metadata.json';
export const PREVIEW_FILE = 'ro-crate-preview.html';

/**
 * Streams the crate as a zip: the metadata, its preview, then each content,
 * blobs opened one at a time as the zip reaches them (never all at once,
 * never whole in memory). Every entry is dated by the export, so the same
 * export of the same data gives the same entries.
 */
export async function writeCrateZip(blobs: BlobStore, crate: BuiltCrate, preview: string, exportedAt: string, out: Writable): Promise<void> {
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, out);
  const options = { mtime: new Date(exportedAt) };
  zip.addBuffer(Buffer.from(`${JSON.stringify(crate.metadata, null, 2)}\n`), METADATA_FILE, options);
  zip.addBuffer(Buffer.from(preview), PREVIEW_FILE, options);
  for (const content of crate.contents) {
    if ('bytes' in content) zip.addBuffer(content.bytes, content.path, options);
    else zip.addReadStreamLazy(content.path, { ...options, size: content.size }, (done) => done(null, blobs.open(content.blob)));
  }
  zip.end();
  await written;
}
