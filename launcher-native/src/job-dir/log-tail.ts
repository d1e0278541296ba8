import { open } from 'node:fs/promises';
import { filePath } from './layout.js';
import { parseLogLine, type NumberedLogLine } from './log.js';

const NEWLINE = 0x0a;

/** A place in a log between two lines: the byte offset after line `line` (0 and 0 for the start). */
export interface LogCheckpoint {
  position: number;
  line: number;
}
const CHUNK_BYTES = 64 * 1024;

/**
 * Follows a job's `log.jsonl` as it grows, remembering the byte position it
 * has read up to, so each call reads only what was appended since (a long
 * log is never read whole again). Only complete lines count, numbered as
 * `readLog` numbers them (empty lines skipped), and lines up to
 * `afterLine` are counted but not returned. Memory is bounded by one chunk
 * plus the one line still being written.
 */
export class LogTail {
  /** Bytes read so far; everything before it is either counted or held in `pending`. */
  private position = 0;
  /** The start of a line whose newline has not been read yet. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Complete lines seen: the number of the last one. */
  private count = 0;

  /** The log file followed. */
  readonly path: string;

  /** Starts at `from` (a checkpoint of another tail of the same log), so the lines before it are not read again. */
  constructor(jobDir: string, private readonly afterLine: number, from: LogCheckpoint = { position: 0, line: 0 }) {
    this.path = filePath(jobDir, 'log');
    this.position = from.position;
    this.count = from.line;
  }

  /** Where the complete lines read so far end: another tail started there continues exactly after them. */
  get checkpoint(): LogCheckpoint {
    return { position: this.position - this.pendingBytes, line: this.count };
  }

  /** The number of the last complete line seen (returned or skipped). */
  get lastLine(): number {
    return this.count;
  }

  /**
   * Reads on from where the last call stopped, at most about `budgetBytes`
   * (so a slow reader is not flooded); `atEnd` says whether it reached the end
   * of the file as it was then. A missing file is an empty log: the job has
   * not started writing yet.
   */
  async read(budgetBytes: number): Promise<{ lines: NumberedLogLine[]; atEnd: boolean }> {
    const file = await open(this.path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!file) return { lines: [], atEnd: true };
    try {
      const lines: NumberedLogLine[] = [];
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      for (let used = 0; used < budgetBytes;) {
        const { bytesRead } = await file.read(chunk, 0, CHUNK_BYTES, this.position);
        if (bytesRead === 0) return { lines, atEnd: true };
        this.position += bytesRead;
        used += bytesRead;
        this.split(chunk.subarray(0, bytesRead), lines);
      }
      return { lines, atEnd: false };
    } finally {
      await file.close();
    }
  }

  private split(data: Buffer, out: NumberedLogLine[]): void {
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end !== -1; end = data.indexOf(NEWLINE, start)) {
      const piece = data.subarray(start, end);
      const line = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      start = end + 1;
      if (line.length === 0) continue;
      this.count++;
      if (this.count > this.afterLine) out.push(parseLogLine(this.count, line.toString('utf8')));
    }
    // Copied: the chunk buffer is reused by the next read.
    if (start < data.length) {
      this.pending.push(Buffer.from(data.subarray(start)));
      this.pendingBytes += data.length - start;
    }
  }
}
