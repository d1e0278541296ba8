import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { payloadTooLarge } from '../errors.js';
import { syncDirectory } from '@narrative/launcher-native';
import { freshScratch, scratchOf } from './scratch.js';

/**
 * Content-addressed blobs (sha256). A blob is streamed to a temp file while
 * hashed, fsynced, then renamed into place, so after a crash a blob is either
 * whole under its digest or absent.
 */
export interface BlobStore {
  put(source: Readable, maxBytes: number): Promise<{ sha256: string; size: number }>;
  open(sha256: string): ReadStream;
  path(sha256: string): string;
}

export class LocalBlobStore implements BlobStore {
  private readonly tmp: string;

  constructor(private readonly root: string) {
    this.tmp = scratchOf(join(root, 'tmp'));
  }

  /** Clears temp files that uploads cut off by a crash left behind (this host's, of processes that are gone); they were never blobs. */
  async init(): Promise<this> {
    await freshScratch(join(this.root, 'tmp'));
    // Only the server reads blobs; jobs get copies of their inputs.
    await chmod(this.root, 0o700);
    return this;
  }

  path(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  open(sha256: string): ReadStream {
    return createReadStream(this.path(sha256));
  }

  async put(source: Readable, maxBytes: number): Promise<{ sha256: string; size: number }> {
    // Made here too: a store used without init() (a second process's, in tests) has none yet.
    await mkdir(this.tmp, { recursive: true, mode: 0o700 });
    const tempPath = join(this.tmp, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    const file = await open(tempPath, 'wx', 0o640);
    const hash = createHash('sha256');
    let size = 0;
    try {
      // Past the limit, keep reading without writing: the client gets its 413 once it has sent everything.
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) continue;
        hash.update(chunk);
        await file.write(chunk);
      }
      if (size > maxBytes) throw payloadTooLarge(`The file is larger than the limit of ${maxBytes} bytes.`);
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(tempPath, { force: true });
      throw error;
    }
    await file.close();
    const sha256 = hash.digest('hex');
    const finalPath = this.path(sha256);
    const exists = await stat(finalPath).then(() => true, () => false);
    if (exists) {
      await rm(tempPath, { force: true });
    } else {
      await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
      await rename(tempPath, finalPath);
      await syncDirectory(join(this.root, sha256.slice(0, 2)));
    }
    return { sha256, size };
  }
}
