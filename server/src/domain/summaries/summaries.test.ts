import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { BlobStore } from '../../blobs/blob-store.js';
import { hasSummariser, summarise } from './summaries.js';

/** Blobs held in memory; a sha256 it does not hold fails to read, as a lost file would. */
function blobsOf(files: Record<string, string>): BlobStore & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    open(sha256: string) {
      opened.push(sha256);
      const text = files[sha256];
      if (text === undefined) return new Readable({ read() { this.destroy(Object.assign(new Error(`ENOENT: no blob ${sha256}`), { code: 'ENOENT' })); } }) as never;
      return Readable.from([Buffer.from(text)]) as never;
    },
    put: () => Promise.reject(new Error('not here')),
    path: (sha256: string) => sha256,
  };
}

/** Warnings emitted while `work` runs. */
async function warningsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (w: Error) => seen.push(w.message);
  process.on('warning', listen);
  try {
    await work();
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listen);
  }
  return seen;
}

describe('summaries', () => {
  const blobs = blobsOf({ a: '@r1\nACGTA\n+\nIIIII\n', b: '@r2\nACG\n+\nIII\n@r3\nACGTACG\n+\nIIIIIII\n', bad: 'not reads\n' });

  it('summarises reads across all the files of a version', async () => {
    assert.equal(hasSummariser('Genomics.Reads-1.0'), true);
    assert.deepEqual(await summarise(blobs, 'Genomics.Reads-1.0', [{ sha256: 'a' }, { sha256: 'b' }]), {
      kind: 'reads', format: 'fastq', readCount: 3, totalBases: 15, minLength: 3, maxLength: 7, meanLength: 5,
    });
  });

  it('gives null for a type without a summariser, opening no file', async () => {
    const quiet = blobsOf({ a: 'x' });
    assert.equal(hasSummariser('Genomics.Assembly-1.0'), false);
    assert.equal(await summarise(quiet, 'Genomics.Assembly-1.0', [{ sha256: 'a' }]), null);
    assert.deepEqual(quiet.opened, []);
  });

  it('gives null, without a warning, for files that are not what the type says', async () => {
    const warnings = await warningsDuring(async () => assert.equal(await summarise(blobs, 'Genomics.Reads-1.0', [{ sha256: 'a' }, { sha256: 'bad' }]), null));
    assert.deepEqual(warnings, []);
  });

  it('gives null, and warns, when a file cannot be read', async () => {
    const warnings = await warningsDuring(async () => assert.equal(await summarise(blobs, 'Genomics.Reads-1.0', [{ sha256: 'gone' }]), null));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /No summary for a new Genomics\.Reads-1\.0 version: ENOENT: no blob gone/);
  });
});
