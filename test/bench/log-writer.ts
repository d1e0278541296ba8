import { closeSync, openSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * A worker thread appending log lines to a job's log.jsonl at a steady rate,
 * in the wrapper's line format, each stamped with the wall-clock time it was
 * written: the bench's own event loop, busy counting what subscribers receive,
 * can neither slow the rate nor hide a delay.
 */
export interface WriterOrder {
  file: string;
  linesPerSecond: number;
  seconds: number;
}

/** How often lines due are appended: each tick writes what is due in one write, as a busy app's buffered stdout would. */
const TICK_MS = 5;

/** The text of a bench line: its index and the epoch milliseconds it was written at. */
export function benchLineText(index: number, writtenAtMs: number): string {
  return `bench ${index} ${writtenAtMs.toFixed(3)}`;
}

export function writtenAtOf(text: string): number {
  return Number(text.slice(text.lastIndexOf(' ') + 1));
}

function write(order: WriterOrder): Promise<number> {
  const total = Math.round(order.linesPerSecond * order.seconds);
  const fd = openSync(order.file, 'a');
  const started = performance.now();
  let written = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * order.linesPerSecond));
      if (due > written) {
        const now = performance.timeOrigin + performance.now();
        const t = new Date(now).toISOString();
        let chunk = '';
        for (; written < due; written++) chunk += `${JSON.stringify({ t, stream: 'stdout', text: benchLineText(written, now) })}\n`;
        writeSync(fd, chunk);
      }
      if (written === total) {
        clearInterval(timer);
        closeSync(fd);
        resolve(written);
      }
    }, TICK_MS);
  });
}

if (parentPort && workerData) {
  const port = parentPort;
  void write(workerData as WriterOrder).then((written) => port.postMessage(written));
}
