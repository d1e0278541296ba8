import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Malformed } from './malformed.js';
import { combine, readStats, type ReadStats } from './reads.js';

/** The bytes as a stream of chunks of `size` bytes, so every line break falls at every place in a chunk. */
function chunked(bytes: Buffer | string, size = 64 * 1024): Readable {
  const buffer = Buffer.from(bytes);
  return Readable.from((function* () {
    for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
  })());
}

const fastq = (...reads: string[]) => reads.map((seq, i) => `@read${i} some description\n${seq}\n+\n${'I'.repeat(seq.length)}\n`).join('');
const stats = (format: 'fastq' | 'fasta', readCount: number, totalBases: number, minLength: number, maxLength: number): ReadStats => ({ format, readCount, totalBases, minLength, maxLength });
const malformed = (pattern: RegExp) => (error: unknown) => error instanceof Malformed && pattern.test(error.message);

describe('reads statistics', () => {
  const three = fastq('ACGTACGTAC', 'ACG', 'ACGTACGTACGTACGTACGT');

  it('counts the reads and bases of FASTQ, with the shortest and longest read', async () => {
    assert.deepEqual(await readStats(chunked(three)), stats('fastq', 3, 33, 3, 20));
  });

  it('gives the same counts whatever the chunk boundaries, with CRLF line ends, blank lines between records and no final newline', async () => {
    const crlf = three.replace(/\n/g, '\r\n');
    const loose = `\n${three.replace('+\nIII\n', '+\nIII\n\n\n')}`.replace(/\n$/, '');
    for (const text of [three, crlf, loose]) {
      for (const size of [1, 2, 3, 7, 1024]) assert.deepEqual(await readStats(chunked(text, size)), stats('fastq', 3, 33, 3, 20), `${JSON.stringify(text.slice(0, 20))} in chunks of ${size}`);
    }
  });

  it('reads a + line that repeats the header, and quality lines that start with @', async () => {
    assert.deepEqual(await readStats(chunked('@r1\nACGT\n+r1\n@@@@\n@r2\nAC\n+\n@I\n')), stats('fastq', 2, 6, 2, 4));
  });

  it('reads gzip, including several gzip members one after the other (as bgzip writes)', async () => {
    assert.deepEqual(await readStats(chunked(gzipSync(three), 5)), stats('fastq', 3, 33, 3, 20));
    const members = Buffer.concat([gzipSync(fastq('ACGT')), gzipSync(fastq('ACGTACGT', 'A'))]);
    assert.deepEqual(await readStats(chunked(members)), stats('fastq', 3, 13, 1, 8));
  });

  it('reads FASTA, with sequences over several lines', async () => {
    const fasta = '>c1 first\nACGTACGTAC\nACGT\n>c2\nAC\n\n>c3\nACGTA';
    assert.deepEqual(await readStats(chunked(fasta, 3)), stats('fasta', 3, 21, 2, 14));
  });

  it('counts an empty file as no reads', async () => {
    assert.deepEqual(await readStats(chunked('')), { format: null, readCount: 0, totalBases: 0, minLength: Infinity, maxLength: -Infinity });
    assert.deepEqual(combine([await readStats(chunked('\n\n'))]), { kind: 'reads', format: 'fastq', readCount: 0, totalBases: 0, minLength: null, maxLength: null, meanLength: null });
  });

  it('refuses what is not FASTQ or FASTA, saying which line is wrong', async () => {
    const cases: [string, RegExp][] = [
      ['hello, world\n', /line 1: it starts with neither @/],
      ['@r1\nACGT\n+\nIII\n', /line 4: a record has 3 quality values for 4 bases/],
      ['@r1\nACGT\nIIII\n@r2\n', /line 3: a record has no \+ line/],
      ['@r1\nACGT\n+\nIIII\nr2\nACGT\n+\nIIII\n', /line 5: a record does not start with @/],
      ['@r1\nACGT\n+\n', /the last record is cut short/],
      [three.slice(0, -5), /line 12: a record has 16 quality values for 20 bases/],
    ];
    for (const [text, why] of cases) await assert.rejects(readStats(chunked(text, 3)), malformed(why), JSON.stringify(text));
  });

  it('refuses corrupt and cut-off gzip with zlib’s error', async () => {
    const zipped = gzipSync(three);
    const corrupt = Buffer.from(zipped);
    corrupt.fill(0x55, 12, 30);
    await assert.rejects(readStats(chunked(corrupt)), (e: { code?: string }) => typeof e.code === 'string' && e.code.startsWith('Z_'));
    await assert.rejects(readStats(chunked(zipped.subarray(0, zipped.length - 12))), (e: { code?: string }) => typeof e.code === 'string' && e.code.startsWith('Z_'));
  });

  it('keeps memory flat: a 256 MiB read on one line is counted without holding it', async () => {
    const chunk = Buffer.alloc(1 << 20, 'A');
    const bytes = 256 * chunk.length;
    const source = Readable.from((function* () {
      yield Buffer.from('>long\n');
      // The same chunk again and again: anything that keeps what it was given shows in arrayBuffers.
      for (let i = 0; i < 256; i++) yield chunk;
    })());
    const before = process.memoryUsage().arrayBuffers;
    const result = await readStats(source);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.deepEqual(result, stats('fasta', 1, bytes, bytes, bytes));
    assert.ok(grown < 16 * chunk.length, `arrayBuffers grew by ${grown} bytes`);
  });

  it('adds files up into one summary, and refuses files of two formats', () => {
    assert.deepEqual(combine([stats('fastq', 3, 33, 3, 20), stats('fastq', 1, 50, 50, 50)]), {
      kind: 'reads', format: 'fastq', readCount: 4, totalBases: 83, minLength: 3, maxLength: 50, meanLength: 20.75,
    });
    assert.throws(() => combine([stats('fastq', 1, 1, 1, 1), stats('fasta', 1, 1, 1, 1)]), malformed(/not all of one format/));
  });

  it('takes an empty file as of no format: it joins a FASTA file, and an empty FASTA stays FASTA', async () => {
    const empty = await readStats(chunked(''));
    assert.equal(empty.format, null);
    assert.equal(combine([empty, await readStats(chunked('>a\nACGT\n'))]).format, 'fasta');
    assert.equal(combine([await readStats(chunked('>a\n'))]).format, 'fasta');
  });
});
