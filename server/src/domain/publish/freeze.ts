import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { PublicationEntry } from '../../store/store.js';
import type { Context } from '../context.js';
import type { ArchiveEntry } from '../export/archive/contents.js';
import { manifestLine } from '../export/archive/write.js';

/** A blob's file name: its sha256, the content address it is found by. */
const SHA256 = /^[0-9a-f]{64}$/;

/** Where an archive holds an image's OCI archive: the path names the image's digest. */
const IMAGE_PATH = /^images\/sha256\/([0-9a-f]{64})\.oci\.tar$/;

/** Bytes made here are ours to keep whatever their size: the limits guard what clients send. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * Makes every entry of an archive something its content address finds
 * again, so the same archive can be written later without rebuilding it
 * (a rebuilt crate would carry a new date): bytes made here go into the blob
 * store, a file already in it or an image's OCI archive in the image store
 * is named where it is, and any other file is copied into the blob store.
 * A blob that no longer hashes to its address is refused: the error (a
 * plain Error, so the server logs it as the failure it is) says corruption.
 * Returns the entries so kept, in order, and the manifest the archive ends
 * with: the lines `writeArchive` writes for these bytes.
 */
export async function freezeEntries(ctx: Context, entries: ArchiveEntry[]): Promise<{ frozen: PublicationEntry[]; manifest: Buffer }> {
  const frozen: PublicationEntry[] = [];
  for (const entry of entries) frozen.push(await freeze(ctx, entry));
  return { frozen, manifest: Buffer.from(frozen.map((e) => manifestLine(e.sha256, e.path)).join('')) };
}

async function freeze(ctx: Context, entry: ArchiveEntry): Promise<PublicationEntry> {
  if ('bytes' in entry) return { path: entry.path, kind: 'blob', ...(await ctx.blobs.put(Readable.from([entry.bytes]), NO_LIMIT)) };
  const { sha256, size } = await hashFile(entry.file);
  const address = basename(entry.file);
  if (SHA256.test(address) && ctx.blobs.path(address) === entry.file && sha256 !== address) {
    // A blob whose bytes are not its address is damage on this server's disk: kept under its new hash, it would be published as if it were the file saved.
    throw new Error(`blob store corruption: ${entry.file} (the archive's ${entry.path}) hashes to ${sha256}, not to its address ${address}; nothing was published`);
  }
  if (size !== entry.size) throw new Error(`${entry.path} changed while it was published`);
  if (ctx.blobs.path(sha256) === entry.file) return { path: entry.path, kind: 'blob', sha256, size };
  const hex = IMAGE_PATH.exec(entry.path)?.[1];
  const digest = hex && `sha256:${hex}`;
  if (digest && (await ctx.images.get(digest))?.forms['oci-archive'] === entry.file) return { path: entry.path, kind: 'image', digest, sha256, size };
  const copied = await ctx.blobs.put(createReadStream(entry.file), NO_LIMIT);
  if (copied.sha256 !== sha256) throw new Error(`${entry.path} changed while it was published`);
  return { path: entry.path, kind: 'blob', ...copied };
}

async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
