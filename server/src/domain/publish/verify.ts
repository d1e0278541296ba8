import { createHash } from 'node:crypto';
import { MANIFEST } from '../export/archive/contents.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../export/archive/manifest.js';
import { DamagedArchive, readTar } from '../import/tar-reader.js';
import { contentIdOf } from './content-id.js';

/** A file of the archive that does not match its manifest, and how. */
export interface ArchiveProblem {
  path: string;
  problem: string;
}

export interface ArchiveCheck {
  /** Every file is in the manifest with its sha256, and every file the manifest lists is there. */
  intact: boolean;
  /** The content id computed from the archive's manifest; null when it has none. */
  contentId: string | null;
  /** Files read, the manifest not counted. */
  files: number;
  problems: ArchiveProblem[];
}

/** Where a problem of the archive as a whole (not of one file in it) is reported. */
const WHOLE = '(the archive)';

/**
 * Checks an archive (`export --format archive`, or a publication's) as it
 * streams past, with flat memory whatever its size: every file hashed and
 * compared with its manifest line, every line's file looked for. Unlike
 * the importer it stops at nothing it can read past, so each file that
 * differs is named; an archive cut short is named where it ends, and one
 * the reader refuses (an entry that is not a regular file: a link, a
 * directory, a device) is not intact, whatever its files hash to. Nothing
 * here needs a server: whoever holds the archive can check it.
 */
export async function checkArchive(source: AsyncIterable<Buffer>): Promise<ArchiveCheck> {
  const read = new Map<string, string>();
  const problems: ArchiveProblem[] = [];
  // Set by the reader's callback: the manifest once read, the file being read, and the last one begun.
  const seen: { manifest: Buffer | null; current: string | null; last: string | null } = { manifest: null, current: null, last: null };
  try {
    await readTar(source, async (path, size, chunks) => {
      seen.current = seen.last = path;
      if (path === MANIFEST && !seen.manifest && size <= MAX_MANIFEST_BYTES) {
        const parts: Buffer[] = [];
        for await (const chunk of chunks) parts.push(chunk);
        seen.manifest = Buffer.concat(parts);
      } else if (path === MANIFEST) {
        problems.push({ path, problem: seen.manifest ? 'it is in the archive twice' : `it is larger than ${MAX_MANIFEST_BYTES} bytes` });
      } else {
        const hash = createHash('sha256');
        for await (const chunk of chunks) hash.update(chunk);
        if (read.has(path)) problems.push({ path, problem: 'it is in the archive twice' });
        read.set(path, hash.digest('hex'));
      }
      seen.current = null;
    });
  } catch (error) {
    if (!(error instanceof DamagedArchive)) throw error;
    problems.push({ path: seen.current ?? inPaddingOf(error, seen.last) ?? WHOLE, problem: error.message });
  }
  const { manifest } = seen;
  if (!manifest) {
    problems.push({ path: MANIFEST, problem: 'the archive has no manifest (is it an archive made by narrative export --format archive, and whole?)' });
    return { intact: false, contentId: null, files: read.size, problems };
  }
  problems.push(...againstManifest(manifest, read));
  return { intact: problems.length === 0, contentId: contentIdOf(manifest), files: read.size, problems };
}

/**
 * The file an archive cut off in its padding ends with. The reader reads
 * the padding after the callback returned, so only its refusal tells: it
 * names the file it was inside ("… ends inside <path>"), where a cut in the
 * next header names that header instead.
 */
function inPaddingOf(error: DamagedArchive, last: string | null): string | null {
  return last !== null && /truncated/.test(error.message) && error.message.endsWith(`inside ${last}`) ? last : null;
}

/** Each file not listed or not as listed, then each listed file not there, in the archive's and the manifest's order. */
function againstManifest(manifest: Buffer, read: Map<string, string>): ArchiveProblem[] {
  const { listed, damaged } = parseManifest(manifest);
  const problems: ArchiveProblem[] = damaged.map((d) => ({ path: MANIFEST, problem: `line ${d.line} ${d.problem}` }));
  for (const [path, sha256] of read) {
    const expected = listed.get(path);
    if (!expected) problems.push({ path, problem: `it is not in ${MANIFEST}` });
    else if (expected !== sha256) problems.push({ path, problem: `its sha256 differs from the one in ${MANIFEST} (it was changed or damaged)` });
  }
  for (const path of listed.keys()) if (!read.has(path)) problems.push({ path, problem: `it is listed in ${MANIFEST} but not in the archive` });
  return problems;
}
