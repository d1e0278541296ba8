import type { Readable } from 'node:stream';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { ObjectSummary } from '../../schemas/api.js';
import type { FileRecord } from '../../store/store.js';
import { isBadCompression, Malformed } from './malformed.js';
import { combine, readStats } from './reads.js';

/**
 * Statistics of an object's files, each given as a way to open it (so no
 * file is open before it is read); throws Malformed when the files are not
 * what the type says.
 */
export type Summariser = (files: (() => Readable)[]) => Promise<ObjectSummary>;

/** One summariser per type id; a type without one gets no summary. */
const SUMMARISERS: Record<string, Summariser> = {
  'Genomics.Reads-1.0': async (files) => {
    const stats = [];
    // One file at a time: a pair of read files never holds two streams open.
    for (const open of files) {
      const stream = open();
      try {
        stats.push(await readStats(stream));
      } finally {
        stream.destroy();
      }
    }
    return combine(stats);
  },
};

export function hasSummariser(type: string): boolean {
  return Object.hasOwn(SUMMARISERS, type);
}

/**
 * The summary of new content of `type`, computed once, before its version is
 * saved (a copy or revert takes the summary of the version it repeats). Never
 * throws, since a summary must not fail a save: a failure gives null. Files
 * that are not what the type says are the user's business and go unreported;
 * anything else (a blob that cannot be read) is warned of.
 */
export async function summarise(blobs: BlobStore, type: string, files: Pick<FileRecord, 'sha256'>[]): Promise<ObjectSummary | null> {
  const summariser = SUMMARISERS[type];
  if (!summariser) return null;
  try {
    return await summariser(files.map((f) => () => blobs.open(f.sha256)));
  } catch (error) {
    if (!(error instanceof Malformed) && !isBadCompression(error)) {
      // Domain code has no logger: a process warning reaches the server's stderr.
      process.emitWarning(`No summary for a new ${type} version: ${error instanceof Error ? error.message : String(error)}`, { code: 'NARRATIVE_SUMMARY' });
    }
    return null;
  }
}
