import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { ArchiveEntry } from '../export/archive/contents.js';
import { writeArchive } from '../export/archive/write.js';
import { pathOfFailure } from './archive.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The error `writeArchive` ends with, as a publication's archive route meets it. */
async function failureOf(entries: ArchiveEntry[], published: string[]): Promise<unknown> {
  const out = new PassThrough();
  out.resume();
  return writeArchive(entries, '2026-01-02T03:04:05Z', out, published).then(() => assert.fail('the archive was written whole'), (error: unknown) => error);
}

describe("naming the file a published archive's write failed on, for the log", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-published-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('names a file no longer as published, a file gone, and nothing for another failure', async () => {
    const reads = Buffer.from('ACGT'.repeat(300));
    const file = join(dir, 'reads');
    await writeFile(file, reads);
    const meta = Buffer.from('{}\n');
    // One path the prefix of another: the longer one the message begins with is the file.
    const entries: ArchiveEntry[] = [
      { path: 'objects/1/2/1/files/r', bytes: meta },
      { path: 'objects/1/2/1/files/r reads', file, size: reads.length },
    ];
    const changed = await failureOf(entries, [sha256(meta), sha256(Buffer.from('other'))]);
    assert.equal(pathOfFailure(entries, changed), 'objects/1/2/1/files/r reads');
    const moved: ArchiveEntry[] = [entries[0]!, { path: 'objects/1/2/1/files/r reads', file: join(dir, 'gone'), size: reads.length }];
    const gone = await failureOf(moved, [sha256(meta), sha256(reads)]);
    assert.equal((gone as NodeJS.ErrnoException).code, 'ENOENT');
    assert.equal(pathOfFailure(moved, gone), 'objects/1/2/1/files/r reads');
    const premature = Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    assert.equal(pathOfFailure(entries, premature), null);
    assert.equal(pathOfFailure(entries, 'not an error'), null);
  });
});
