import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MANIFEST, type ArchiveEntry } from './contents.js';
import { END, entryBytes, headerOf, padding } from './tar.js';

/** A manifest line: the sha256, two spaces, the path (BagIt's `manifest-sha256.txt`). */
export const manifestLine = (sha256: string, path: string) => `${sha256}  ${path}\n`;

const sizeOf = (entry: ArchiveEntry) => ('bytes' in entry ? entry.bytes.length : entry.size);

/**
 * The archive's exact length, known before it is written (every manifest
 * line is as long whatever the digest): sent as Content-Length, so the
 * client shows true progress and a cut-off download is seen as one.
 */
export function archiveBytes(entries: ArchiveEntry[]): number {
  const manifest = entries.reduce((n, e) => n + Buffer.byteLength(manifestLine('0'.repeat(64), e.path)), 0);
  return entries.reduce((n, e) => n + entryBytes(e.path, sizeOf(e)), 0) + entryBytes(MANIFEST, manifest) + END.length;
}

/**
 * Streams the entries as a tar, hashing each as it passes, and ends with
 * the manifest of them all. Files are opened one at a time as the tar
 * reaches them, so memory stays flat whatever the images weigh; a reader
 * that hangs up ends the pipeline, which closes the file being read.
 * `published` holds each entry's sha256 when it was published: a file that
 * no longer hashes to it ends the archive before its manifest, so a reader
 * gets a cut-off archive rather than other bytes under the same name.
 */
export async function writeArchive(entries: ArchiveEntry[], exportedAt: string, out: Writable, published?: readonly string[]): Promise<void> {
  const mtime = new Date(exportedAt);
  async function* blocks(): AsyncGenerator<Buffer> {
    let manifest = '';
    for (const [i, entry] of entries.entries()) {
      const size = sizeOf(entry);
      yield headerOf(entry.path, size, mtime);
      const hash = createHash('sha256');
      let sent = 0;
      for await (const chunk of 'bytes' in entry ? [entry.bytes] : createReadStream(entry.file)) {
        const bytes = chunk as Buffer;
        sent += bytes.length;
        // A file that grew since it was measured would break every header after it.
        if (sent > size) throw new Error(`${entry.path} changed while it was archived`);
        hash.update(bytes);
        yield bytes;
      }
      if (sent !== size) throw new Error(`${entry.path} changed while it was archived`);
      const sha256 = hash.digest('hex');
      if (published && published[i] !== sha256) throw new Error(`${entry.path} is no longer the file that was published (its sha256 is ${sha256})`);
      yield Buffer.alloc(padding(size));
      manifest += manifestLine(sha256, entry.path);
    }
    const text = Buffer.from(manifest);
    yield headerOf(MANIFEST, text.length, mtime);
    yield text;
    yield Buffer.alloc(padding(text.length));
    yield END;
  }
  await pipeline(Readable.from(blocks(), { objectMode: false }), out);
}
