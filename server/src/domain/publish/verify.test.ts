import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { ArchiveEntry } from '../export/archive/contents.js';
import { END, headerOf, padding } from '../export/archive/tar.js';
import { writeArchive } from '../export/archive/write.js';
import { checkArchive } from './verify.js';

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const READS = Buffer.from('@r\nACGT\n+\nIIII\n'.repeat(100));
const ENTRIES: ArchiveEntry[] = [
  { path: 'ro-crate-metadata.json', bytes: Buffer.from('{}\n') },
  { path: 'objects/1/2/1/files/reads.fastq', bytes: READS },
  { path: 'archive.json', bytes: Buffer.from('{"format":1}\n') },
];

async function archive(entries: ArchiveEntry[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeArchive(entries, '2026-01-02T03:04:05Z', out);
  return Buffer.concat(chunks);
}

/** A tar of exactly these files, in order, the manifest among them as given: for archives `writeArchive` would never make. */
function tarOf(files: [string, Buffer][]): Buffer {
  return Buffer.concat([...files.flatMap(([path, bytes]) => [headerOf(path, bytes.length, new Date(0)), bytes, Buffer.alloc(padding(bytes.length))]), END]);
}

/** Fed in small pieces, as a file or a socket gives them. */
const pieces = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 700) }, (_, i) => bytes.subarray(i * 700, (i + 1) * 700)));

describe('checking an archive against its manifest', () => {
  it('finds an archive as written intact, its content id the sha256 of its manifest', async () => {
    const manifest = ENTRIES.map((e) => `${sha256((e as { bytes: Buffer }).bytes)}  ${e.path}\n`).join('');
    assert.deepEqual(await checkArchive(pieces(await archive(ENTRIES))), { intact: true, contentId: `sha256:${sha256(manifest)}`, files: 3, problems: [] });
  });

  it('names a file changed by one byte, and still computes the content id its manifest claims', async () => {
    const tar = await archive(ENTRIES);
    const at = tar.indexOf('ACGT') + 400;
    tar[at] = tar[at] === 0x41 ? 0x43 : 0x41;
    const check = await checkArchive(pieces(tar));
    assert.equal(check.intact, false);
    assert.match(check.contentId ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(check.problems.map((p) => p.path), ['objects/1/2/1/files/reads.fastq']);
    assert.match(check.problems[0]!.problem, /sha256 differs/);
  });

  it('names the file an archive cut short ends inside, and the manifest it lacks', async () => {
    const tar = await archive(ENTRIES);
    const check = await checkArchive(pieces(tar.subarray(0, tar.indexOf('ACGT') + 100)));
    assert.deepEqual(check.problems.map((p) => [p.path, /truncated|no manifest/.test(p.problem)]), [
      ['objects/1/2/1/files/reads.fastq', true],
      ['manifest-sha256.txt', true],
    ]);
    assert.deepEqual([check.intact, check.contentId], [false, null]);
  });

  it('names a file the manifest does not list, one it lists that is not there, and a damaged line', async () => {
    const a = Buffer.from('a\n');
    const manifest = Buffer.from(`${sha256(a)}  a.txt\n${sha256('c')}  c.txt\nnot a line\n`);
    const check = await checkArchive(pieces(tarOf([['a.txt', a], ['b.txt', Buffer.from('b')], ['manifest-sha256.txt', manifest]])));
    assert.deepEqual(check.problems.map((p) => p.path), ['manifest-sha256.txt', 'b.txt', 'c.txt']);
    assert.deepEqual([check.intact, check.contentId, check.files], [false, `sha256:${sha256(manifest)}`, 2]);
  });

  it('names the file an archive cut off in its padding ends with', async () => {
    const tar = await archive(ENTRIES);
    const end = tar.indexOf('@r\nACGT') + READS.length;
    assert.ok(padding(READS.length) > 1);
    const check = await checkArchive(pieces(tar.subarray(0, end + padding(READS.length) - 1)));
    assert.deepEqual(check.problems[0], { path: 'objects/1/2/1/files/reads.fastq', problem: 'the archive is truncated: it ends inside objects/1/2/1/files/reads.fastq' });
    assert.equal(check.intact, false);
  });

  it('does not pass an archive with a symlink appended by GNU tar under the path of one of its files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'narrative-verify-'));
    try {
      const file = join(dir, 'archive.tar');
      await writeFile(file, await archive(ENTRIES));
      await symlink('/etc/passwd', join(dir, 'archive.json'));
      await promisify(execFile)('tar', ['--append', '--file', file, 'archive.json'], { cwd: dir });
      const appended = await readFile(file);
      assert.equal(appended[appended.indexOf('archive.json\0', appended.lastIndexOf('manifest-sha256.txt')) + 156], 0x32, 'GNU tar wrote a symlink entry (type 2)');
      const check = await checkArchive(pieces(appended));
      assert.equal(check.intact, false, JSON.stringify(check.problems));
      assert.equal(check.problems.length, 1, JSON.stringify(check.problems));
      assert.match(check.problems[0]!.problem, /archive\.json is not a regular file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not a tar at all, and one file twice', async () => {
    const junk = await checkArchive(Readable.from([Buffer.alloc(1024, 'x')]));
    assert.deepEqual([junk.intact, junk.problems[0]?.path], [false, '(the archive)']);
    assert.match(junk.problems[0]!.problem, /damaged/);
    const a = Buffer.from('a');
    const twice = await checkArchive(pieces(tarOf([['a.txt', a], ['a.txt', a], ['manifest-sha256.txt', Buffer.from(`${sha256(a)}  a.txt\n`)]])));
    assert.deepEqual(twice.problems.map((p) => [p.path, p.problem]), [['a.txt', 'it is in the archive twice']]);
  });

  it('refuses a manifest that lists one path twice, whichever sha256 the file has', async () => {
    const a = Buffer.from('a');
    const check = await checkArchive(pieces(tarOf([['a.txt', a], ['manifest-sha256.txt', Buffer.from(`${sha256('other')}  a.txt\n${sha256(a)}  a.txt\n`)]])));
    assert.equal(check.intact, false);
    assert.deepEqual(check.problems.map((p) => [p.path, p.problem]), [
      ['manifest-sha256.txt', 'line 2 lists a.txt a second time'],
      ['a.txt', 'its sha256 differs from the one in manifest-sha256.txt (it was changed or damaged)'],
    ]);
  });
});
