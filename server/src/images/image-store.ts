import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { buildSquashfsImage, InvalidImage, syncDirectory, unpackOciArchive, writeFileDurably, type ImageFormat } from '@narrative/launcher-native';
import { invalidContent, payloadTooLarge } from '../errors.js';
import { freshScratch, scratchOf } from '../blobs/scratch.js';
import { installedPackages } from './packages.js';

const run = promisify(execFile);

/** What the store knows of one image, kept beside its forms as image.json. */
export interface StoredImage {
  digest: string;
  layerDigest: string;
  /** Bytes of the OCI archive. */
  size: number;
  storedAt: string;
  /** The Debian packages inside, name → version, read from its dpkg status. */
  packages: Record<string, string>;
  /** Each form a runtime runs, by format: all the same image. */
  forms: Partial<Record<ImageFormat, string>>;
}

const ARCHIVE = 'image.oci.tar';
const SQUASHFS = 'image.sqfs';
const ROOTFS = 'rootfs';
const INFO = 'image.json';

/**
 * App images by digest, under the data directory, each in every form a
 * runtime needs: a directory and a SquashFS file for Charliecloud, the OCI
 * archive for podman. An image is checked and unpacked in a temp directory
 * and renamed into place whole, so after a crash it is either all there or absent.
 */
export class ImageStore {
  private readonly incoming: string;

  constructor(private readonly root: string, readonly maxBytes: number) {
    this.incoming = scratchOf(join(root, 'incoming'));
  }

  async init(): Promise<this> {
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    await freshScratch(join(this.root, 'incoming'));
    // The account apps run as reads image forms; nothing here is secret.
    await chmod(this.root, 0o711);
    await chmod(join(this.root, 'sha256'), 0o711);
    return this;
  }

  private dirOf(digest: string): string {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
    if (!hex) throw invalidContent(`${digest} is not an image digest (sha256:<64 hex digits>)`, [{ path: '/digest', message: 'must be sha256:<64 hex digits>' }]);
    return join(this.root, 'sha256', hex);
  }

  async get(digest: string): Promise<StoredImage | null> {
    const text = await readFile(join(this.dirOf(digest), INFO), 'utf8').catch(() => null);
    return text === null ? null : (JSON.parse(text) as StoredImage);
  }

  async list(): Promise<StoredImage[]> {
    const images: StoredImage[] = [];
    // Only finished images: a stray name in the directory is none of ours.
    for (const hex of (await readdir(join(this.root, 'sha256'))).filter((n) => /^[0-9a-f]{64}$/.test(n)).sort()) {
      const image = await this.get(`sha256:${hex}`);
      if (image) images.push(image);
    }
    return images;
  }

  /**
   * Takes an OCI archive that claims `digest`: streams it to disk, checks it,
   * unpacks the root file system, packs the SquashFS form, then moves all of
   * it into place at once. An image already stored is left as it is.
   */
  async add(source: Readable, digest: string, onPhase: (phase: string) => void = () => undefined): Promise<{ image: StoredImage; created: boolean }> {
    const final = this.dirOf(digest);
    const work = join(this.incoming, randomBytes(8).toString('hex'));
    await mkdir(work, { mode: 0o755 });
    try {
      const archive = join(work, ARCHIVE);
      const size = await this.receive(source, archive);
      const existing = await this.get(digest);
      if (existing) return { image: existing, created: false };
      onPhase('checking and unpacking');
      const { rootfs, layerDigest } = await unpackOciArchive(archive, digest, work).catch((error: Error) => {
        throw error instanceof InvalidImage ? invalidContent(`The image was refused: ${error.message}`, [{ path: '/image', message: error.message }]) : error;
      });
      await rm(join(work, 'layout'), { recursive: true, force: true });
      onPhase('packing SquashFS');
      await buildSquashfsImage(rootfs, join(work, SQUASHFS));
      const image: StoredImage = {
        digest, layerDigest, size, storedAt: new Date().toISOString(), packages: await installedPackages(rootfs),
        forms: { directory: join(final, ROOTFS), squashfs: join(final, SQUASHFS), 'oci-archive': join(final, ARCHIVE) },
      };
      // Everything reaches the disk before the rename that makes the image visible.
      await run('sync', ['--file-system', work]);
      await writeFileDurably(join(work, INFO), JSON.stringify(image, null, 2), 0o644);
      await rename(work, final).catch(async (error: NodeJS.ErrnoException) => {
        // Another upload of the same image won the race: theirs is the same bytes.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
      await syncDirectory(join(this.root, 'sha256'));
      return { image: (await this.get(digest))!, created: true };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async receive(source: Readable, path: string): Promise<number> {
    let size = 0;
    const max = this.maxBytes;
    await pipeline(
      source,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          // Past the limit, keep draining so the client reads its 413 instead of a reset.
          if (size <= max) yield chunk;
        }
      },
      createWriteStream(path, { mode: 0o644 }),
    );
    if (size > max) throw payloadTooLarge(`The image is larger than this server's limit of ${max} bytes.`);
    return (await stat(path)).size;
  }
}
