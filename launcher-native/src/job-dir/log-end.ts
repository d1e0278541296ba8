import { open } from 'node:fs/promises';
import { filePath } from './layout.js';
import { parseLogLine, type NumberedLogLine } from './log.js';

const NEWLINE = 0x0a;
/** The most of a log's end read for its last lines: a huge log costs what a small one does. */
export const LOG_END_BYTES = 256 * 1024;
/** The first read from the end; each further one doubles what is held, so no byte is scanned more than about twice. */
const FIRST_READ_BYTES = 8 * 1024;

/** A log line as read from the end: its number is unknown there. */
export type EndLine = Omit<NumberedLogLine, 'n'>;

/**
 * The last `count` complete lines of a job's `log.jsonl`, read backward from
 * its end and never more than `capBytes` of it. As `readLog` reads them: a
 * line still being written (no newline yet) is left out, empty lines do not
 * count, and a line that is not a log line shows as a system line.
 * `truncated`: earlier lines exist that were not returned (also when the cap
 * stopped the read short of `count`). A missing file is an empty log.
 */
export async function readLogEnd(jobDir: string, count: number, capBytes = LOG_END_BYTES): Promise<{ lines: EndLine[]; truncated: boolean }> {
  const file = await open(filePath(jobDir, 'log'), 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!file) return { lines: [], truncated: false };
  try {
    const size = (await file.stat()).size;
    const span = Math.min(size, capBytes);
    // window[held..span) holds the file's bytes from (size - span + held) to its end.
    const window = Buffer.allocUnsafe(span);
    let held = span;
    for (let want = FIRST_READ_BYTES; ; want *= 2) {
      const start = Math.max(0, span - want);
      for (let at = start; at < held;) {
        const { bytesRead } = await file.read(window, at, held - at, size - span + at);
        if (bytesRead === 0) throw new Error(`${filePath(jobDir, 'log')} shrank while it was read`);
        at += bytesRead;
      }
      held = start;
      const fromFileStart = size - span + held === 0;
      const found = lastLines(window.subarray(held), count, fromFileStart);
      if (found || fromFileStart || held === 0) {
        const { raws, before } = found ?? lastLines(window.subarray(held), count, fromFileStart, true)!;
        return { lines: raws.reverse().map(toEndLine), truncated: before || !fromFileStart };
      }
    }
  } finally {
    await file.close();
  }
}

/**
 * Up to `count` complete non-empty lines from the end of `data`, newest
 * first, and whether anything but newlines comes before the earliest of them.
 * Unless `data` begins at the file's start its first piece may be the tail of
 * a longer line, so it is never taken: `null` then says more bytes are needed,
 * unless `partial` (the read can go no further) takes what was found.
 */
function lastLines(data: Buffer, count: number, fromFileStart: boolean, partial = false): { raws: Buffer[]; before: boolean } | null {
  const raws: Buffer[] = [];
  // Bytes after the last newline are a line still being written.
  let end = data.lastIndexOf(NEWLINE);
  if (end === -1) return fromFileStart || partial ? { raws, before: !fromFileStart } : null;
  while (raws.length < count) {
    const newline = end === 0 ? -1 : data.lastIndexOf(NEWLINE, end - 1);
    if (newline === -1 && !fromFileStart) return partial ? { raws, before: true } : null;
    const piece = data.subarray(newline + 1, end);
    if (piece.length > 0) raws.push(piece);
    if (newline === -1) return { raws, before: false };
    end = newline;
  }
  let earlier = end - 1;
  while (earlier >= 0 && data[earlier] === NEWLINE) earlier--;
  return { raws, before: earlier >= 0 || !fromFileStart };
}

function toEndLine(raw: Buffer): EndLine {
  const { n: _unknown, ...line } = parseLogLine(0, raw.toString('utf8'));
  return line;
}
