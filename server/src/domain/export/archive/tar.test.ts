import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readTar } from '../../import/tar-reader.js';
import type { ArchiveEntry } from './contents.js';
import { archiveBytes, writeArchive } from './write.js';

const run = promisify(execFile);

/** Paths past ustar's 100 bytes, with and without a slash to split at: the ones that need a pax record. */
const LONG_SPLIT = `objects/1/2/3/files/${'a'.repeat(90)}.fastq`;
const LONG_WHOLE = `apps/${'b'.repeat(180)}.json`;

describe('the archive tar', () => {
  it('is as long as announced, GNU tar reads every name and byte of it, and our reader reads the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-tar-'));
    try {
      const onDisk = join(dir, 'blob');
      await writeFile(onDisk, Buffer.alloc(70_000, 7));
      const entries: ArchiveEntry[] = [
        { path: 'short.json', bytes: Buffer.from('{}\n') },
        { path: LONG_SPLIT, bytes: Buffer.from('@r\nACGT\n+\nIIII\n') },
        { path: LONG_WHOLE, file: onDisk, size: 70_000 },
        { path: 'empty', bytes: Buffer.alloc(0) },
      ];
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await writeArchive(entries, '2026-01-02T03:04:05Z', out);
      const tar = Buffer.concat(chunks);
      assert.equal(tar.length, archiveBytes(entries));
      const file = join(dir, 'a.tar');
      await writeFile(file, tar);
      const names = [...entries.map((e) => e.path), 'manifest-sha256.txt'];
      assert.deepEqual((await run('tar', ['-tf', file])).stdout.split('\n').filter(Boolean), names);
      const unpacked = join(dir, 'out');
      await run('mkdir', [unpacked]);
      await run('tar', ['-xf', file, '-C', unpacked]);
      assert.deepEqual(await readFile(join(unpacked, LONG_WHOLE)), await readFile(onDisk));
      await run('sha256sum', ['--check', '--strict', 'manifest-sha256.txt'], { cwd: unpacked });

      const read: [string, number][] = [];
      await readTar(Readable.from([tar.subarray(0, 1000), tar.subarray(1000)]), async (path, size, body) => {
        let n = 0;
        for await (const c of body) n += c.length;
        read.push([path, n === size ? size : -1]);
      });
      assert.deepEqual(read.map(([p]) => p), names);
      assert.ok(read.every(([, size]) => size >= 0));
      await assert.rejects(readTar(Readable.from([tar.subarray(0, tar.length - 1100)]), async () => undefined), /truncated/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
