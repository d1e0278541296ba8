import { createWriteStream } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { lazyCheck } from './check.js';
import { filePath } from './layout.js';

export const LogStream = Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('system')]);
export type LogStream = Static<typeof LogStream>;

/** One line of `<jobDir>/log.jsonl`: when, which stream (the app's two, or the launcher's own), and the text. */
export const LogLine = Type.Object({ t: Type.String(), stream: LogStream, text: Type.String() });
export type LogLine = Static<typeof LogLine>;

/** A line as read back: its 1-based number among the complete, non-empty lines, then the line. */
export interface NumberedLogLine {
  n: number;
  t: string;
  stream: string;
  text: string;
}

/** Compiled on first use: every job's wrapper loads this module at start-up, and reads no log back. */
const isLogLine = lazyCheck(LogLine);

export function formatLogLine(stream: LogStream, text: string): string {
  return `${JSON.stringify({ t: new Date().toISOString(), stream, text } satisfies LogLine)}\n`;
}

/** A line that is not a log line still keeps its number, shown as a system line with its raw text, rather than failing the read. */
export function parseLogLine(n: number, raw: string): NumberedLogLine {
  try {
    const line: unknown = JSON.parse(raw);
    if (isLogLine().Check(line)) return { n, ...line };
  } catch {
    // shown raw, below
  }
  return { n, t: '', stream: 'system', text: raw };
}

/** An open job log; lines written after `close` are dropped (a stop command may report after its run ended). */
export interface LogWriter {
  line(stream: LogStream, text: string): void;
  close(): Promise<void>;
}

export function openLog(jobDir: string): LogWriter {
  const out = createWriteStream(filePath(jobDir, 'log'), { flags: 'a' });
  // A log that cannot be written (a full disk) loses its lines, not the run: the result is still written.
  let broken = false;
  out.on('error', () => (broken = true));
  return {
    line: (stream, text) => {
      if (!out.writableEnded && !broken) out.write(formatLogLine(stream, text));
    },
    close: () => new Promise<void>((done) => (out.writableEnded || broken ? done() : out.end(() => done()))),
  };
}

/** One line appended outside a run (what the wrapper decided, and why). */
export function appendLogLine(jobDir: string, stream: LogStream, text: string): Promise<void> {
  return appendFile(filePath(jobDir, 'log'), formatLogLine(stream, text));
}

/** The complete lines after line `after` (a line still being written has no newline yet); a missing log is an empty one. */
export async function readLog(jobDir: string, after = 0): Promise<{ lines: NumberedLogLine[]; next: number }> {
  const text = await readFile(filePath(jobDir, 'log'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const complete = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
  const lines = complete.slice(after).map((raw, i) => parseLogLine(after + i + 1, raw));
  return { lines, next: after + lines.length };
}
