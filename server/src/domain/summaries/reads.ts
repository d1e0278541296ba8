import type { Readable } from 'node:stream';
import type { ReadsSummary } from '../../schemas/api.js';
import { decompressed } from './decompress.js';
import { Malformed } from './malformed.js';

type Format = ReadsSummary['format'];

/** Counts of one file's reads; combined across the files of an object. */
export interface ReadStats {
  /** null for a file with no records: an empty file is of no format, and joins either. */
  format: Format | null;
  readCount: number;
  totalBases: number;
  /** Infinity / -Infinity while there are no reads. */
  minLength: number;
  maxLength: number;
}

const AT = 0x40; // '@': a FASTQ record's header
const GT = 0x3e; // '>': a FASTA record's header
const PLUS = 0x2b; // '+': a FASTQ record's separator
const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads one FASTQ or FASTA file (plain or gzip, told apart by their first
 * bytes) as a stream: memory stays flat whatever the file's size, since
 * only each line's first byte and length are kept, never the line.
 * Throws Malformed when the bytes are neither format.
 */
export async function readStats(source: Readable): Promise<ReadStats> {
  const parser = new Parser();
  let length = 0;
  let first = -1;
  let endsWithCr = false;
  for await (const chunk of decompressed(source)) {
    let pos = 0;
    while (pos < chunk.length) {
      const newline = chunk.indexOf(LF, pos);
      const end = newline === -1 ? chunk.length : newline;
      if (end > pos) {
        if (first === -1) first = chunk[pos]!;
        length += end - pos;
        endsWithCr = chunk[end - 1] === CR;
      }
      if (newline === -1) break;
      parser.line(first, endsWithCr ? length - 1 : length);
      length = 0;
      first = -1;
      endsWithCr = false;
      pos = newline + 1;
    }
  }
  // The last line may lack its newline.
  if (length > 0) parser.line(first, endsWithCr ? length - 1 : length);
  return parser.end();
}

/** Adds up the files of one object: they must all be of one format. */
export function combine(files: ReadStats[]): ReadsSummary {
  const formats = new Set(files.flatMap((f) => (f.format === null ? [] : [f.format])));
  if (formats.size > 1) throw new Malformed('the files are not all of one format');
  const format = [...formats][0] ?? 'fastq';
  const readCount = files.reduce((n, f) => n + f.readCount, 0);
  const totalBases = files.reduce((n, f) => n + f.totalBases, 0);
  const some = readCount > 0;
  return {
    kind: 'reads',
    format,
    readCount,
    totalBases,
    minLength: some ? Math.min(...files.map((f) => f.minLength)) : null,
    maxLength: some ? Math.max(...files.map((f) => f.maxLength)) : null,
    meanLength: some ? totalBases / readCount : null,
  };
}

/**
 * Records from lines, each given as its first byte and its length (without
 * the line break). FASTQ records are four lines (`@header`, sequence, `+`,
 * qualities as long as the sequence): multi-line FASTQ is not read. FASTA
 * records are a `>header` and any number of sequence lines. Blank lines
 * between records are allowed.
 */
class Parser {
  private format: Format | null = null;
  private stats: ReadStats | null = null;
  /** FASTQ: the line of the record expected next (0 header, 1 sequence, 2 separator, 3 qualities). */
  private fastqLine = 0;
  /** FASTQ: the sequence's length, to check the qualities against; FASTA: the open record's length, or -1 before the first. */
  private current = -1;
  private lineNumber = 0;

  line(first: number, length: number): void {
    this.lineNumber++;
    const blank = length === 0;
    if (this.format === null) {
      if (blank) return;
      this.format = first === AT ? 'fastq' : first === GT ? 'fasta' : this.fail('it starts with neither @ (FASTQ) nor > (FASTA)');
      this.stats = { format: this.format, readCount: 0, totalBases: 0, minLength: Infinity, maxLength: -Infinity };
    }
    if (this.format === 'fastq') this.fastq(first, length, blank);
    else this.fasta(first, length, blank);
  }

  end(): ReadStats {
    if (this.format === 'fastq' && this.fastqLine !== 0) this.fail('the last record is cut short');
    if (this.format === 'fasta' && this.current >= 0) this.add(this.current);
    return this.stats ?? { format: null, readCount: 0, totalBases: 0, minLength: Infinity, maxLength: -Infinity };
  }

  private fastq(first: number, length: number, blank: boolean): void {
    switch (this.fastqLine) {
      case 0:
        if (blank) return;
        if (first !== AT) this.fail('a record does not start with @');
        break;
      case 1:
        this.current = length;
        break;
      case 2:
        if (blank || first !== PLUS) this.fail('a record has no + line after its sequence');
        break;
      case 3:
        if (length !== this.current) this.fail(`a record has ${length} quality values for ${this.current} bases`);
        this.add(length);
        break;
    }
    this.fastqLine = (this.fastqLine + 1) % 4;
  }

  private fasta(first: number, length: number, blank: boolean): void {
    if (blank) return;
    if (first === GT) {
      if (this.current >= 0) this.add(this.current);
      this.current = 0;
    } else {
      this.current += length;
    }
  }

  private add(length: number): void {
    const s = this.stats!;
    s.readCount++;
    s.totalBases += length;
    if (length < s.minLength) s.minLength = length;
    if (length > s.maxLength) s.maxLength = length;
  }

  private fail(why: string): never {
    throw new Malformed(`line ${this.lineNumber}: ${why}`);
  }
}
