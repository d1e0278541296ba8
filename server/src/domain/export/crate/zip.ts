import { access } from 'node:fs/promises';
import { Problem } from '../../../errors.js';
import type { Readable, Writable } from 'node:stream';
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
  // Every blob is there before the first byte goes out: a missing one is a refusal, not a cut-off zip.
  for (const content of crate.contents) {
    if ('blob' in content) await access(blobs.path(content.blob)).catch(() => { throw new Problem(410, 'A file is missing', `The file ${content.path} (sha256 ${content.blob}) is no longer in the blob store: the export cannot hold it.`); });
  }
  const zip = new yazl.ZipFile();
  const open = new Set<Readable>();
  // yazl pipes each blob without forwarding its errors, and a reader that hangs up leaves the blob being read open.
  const failed = new Promise<never>((_resolve, reject) => zip.on('error', reject));
  out.once('close', () => {
    for (const stream of open) stream.destroy();
    (zip.outputStream as Readable).destroy();
  });
  const written = pipeline(zip.outputStream, out);
  const options = { mtime: new Date(exportedAt) };
  zip.addBuffer(Buffer.from(`${JSON.stringify(crate.metadata, null, 2)}\n`), METADATA_FILE, options);
  zip.addBuffer(Buffer.from(preview), PREVIEW_FILE, options);
  for (const content of crate.contents) {
    if ('bytes' in content) zip.addBuffer(content.bytes, content.path, options);
    else zip.addReadStreamLazy(content.path, { ...options, size: content.size }, (done) => {
      const stream = blobs.open(content.blob);
      open.add(stream);
      stream.once('error', (error) => zip.emit('error', error));
      stream.once('close', () => open.delete(stream));
      done(null, stream);
    });
  }
  zip.end();
  await Promise.race([written, failed]);
}
