import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Static, TSchema } from '@sinclair/typebox';
import { invalidContent, payloadTooLarge } from '../../errors.js';
import { requireShallow, type Limits } from '../../limits.js';
import { createAjv, toFieldErrors } from '../../schemas/validation.js';
import { MANIFEST } from '../export/archive/contents.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../export/archive/manifest.js';
import { BLOCK } from '../export/archive/tar.js';
import { DamagedArchive, readTar } from './tar-reader.js';

/** One file of an archive, written to the staging directory and hashed on the way. */
export interface StagedFile {
  file: string;
  sha256: string;
  size: number;
}

/** Each file is staged as a file of its own: past this many, an archive is an attempt on the disk's inodes, not a narrative. */
const MAX_FILES = 1_000_000;

const refuse = (detail: string, path = '/archive') => invalidContent(`The archive was refused, and nothing was imported: ${detail}`, [{ path, message: detail }]);

/**
 * Reads an archive into `dir` (each file under a number, so no name in the
 * archive reaches the file system), then checks every file against the
 * manifest before anything else looks at them: a file missing, extra, or
 * whose sha256 differs is a refusal naming it, as is an archive cut short.
 */
export async function stageArchive(source: AsyncIterable<Buffer>, dir: string, max: { fileBytes: number; totalBytes: number }): Promise<Map<string, StagedFile>> {
  const staged = new Map<string, StagedFile>();
  let manifest: Buffer | null = null;
  let total = 0;
  try {
    await readTar(source, async (path, size, chunks) => {
      if (staged.has(path) || (path === MANIFEST && manifest)) throw new DamagedArchive(`${path} is in it twice`);
      // Refused before a byte of it is written: a header is all it takes to claim a size.
      if (size > max.fileBytes) throw payloadTooLarge(`The archive was refused, and nothing was imported: ${path} is larger than this server's limit of ${max.fileBytes} bytes.`);
      // Headers count too: a flood of empty files weighs nothing in sizes alone.
      total += BLOCK + size;
      if (staged.size >= MAX_FILES) throw new DamagedArchive(`it holds more than ${MAX_FILES} files`);
      if (total > max.totalBytes) throw payloadTooLarge(`The archive was refused, and nothing was imported: its files come to more than this server's limit of ${max.totalBytes} bytes for an archive.`);
      if (path === MANIFEST) {
        if (size > MAX_MANIFEST_BYTES) throw new DamagedArchive(`${MANIFEST} is larger than ${MAX_MANIFEST_BYTES} bytes`);
        const parts: Buffer[] = [];
        for await (const chunk of chunks) parts.push(chunk);
        manifest = Buffer.concat(parts);
        return;
      }
      const file = join(dir, String(staged.size));
      const hash = createHash('sha256');
      await pipeline(
        Readable.from(chunks),
        async function* (input: AsyncIterable<Buffer>) {
          for await (const chunk of input) {
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(file, { mode: 0o600 }),
      );
      staged.set(path, { file, sha256: hash.digest('hex'), size });
    });
  } catch (error) {
    if (error instanceof DamagedArchive) throw refuse(error.message);
    throw error;
  }
  if (!manifest) throw refuse(`it has no ${MANIFEST} (is it an archive made by narrative export --format archive, and whole?)`);
  checkManifest(manifest, staged);
  return staged;
}

function checkManifest(manifest: Buffer, staged: Map<string, StagedFile>): void {
  const { listed, damaged } = parseManifest(manifest);
  const first = damaged[0];
  if (first) throw refuse(`line ${first.line} of ${MANIFEST} ${first.problem}`, `/${MANIFEST}`);
  for (const [path, file] of staged) {
    const expected = listed.get(path);
    if (!expected) throw refuse(`${path} is not in ${MANIFEST}`, `/${path}`);
    if (expected !== file.sha256) throw refuse(`${path} does not match its sha256 in ${MANIFEST} (it was changed or damaged)`, `/${path}`);
  }
  for (const path of listed.keys()) if (!staged.has(path)) throw refuse(`${path}, listed in ${MANIFEST}, is missing`, `/${path}`);
}

/** The staged file an index names; a name the archive does not hold is a refusal. */
export function fileOf(staged: Map<string, StagedFile>, path: string): string {
  const file = staged.get(path);
  if (!file) throw refuse(`it names ${path}, which it does not hold`, `/${path}`);
  return file.file;
}

/** A JSON file of the archive, parsed and checked against its schema; read whole, so held to the limits any JSON request is. */
export async function readJson<T extends TSchema>(staged: Map<string, StagedFile>, path: string, schema: T, limits: Pick<Limits, 'jsonBytes' | 'jsonDepth'>): Promise<Static<T>> {
  const file = staged.get(path);
  if (file && file.size > limits.jsonBytes) throw payloadTooLarge(`The archive was refused, and nothing was imported: ${path} is larger than this server's limit of ${limits.jsonBytes} bytes for JSON.`);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(fileOf(staged, path), 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw refuse(`${path} is not JSON`, `/${path}`);
    throw error;
  }
  requireShallow(value, limits.jsonDepth, `The archive was refused, and nothing was imported: ${path}`);
  const validate = createAjv().compile(schema);
  if (!validate(value)) throw invalidContent(`The archive was refused, and nothing was imported: ${path} is not what this server writes there.`, toFieldErrors(validate.errors, `/${path}`));
  return value as Static<T>;
}
