import type { LogCheckpoint } from '@narrative/launcher-native';

/** A run of consecutive log lines, `first` to `last`, serialized once as one `lines` message. */
export interface Batch {
  first: number;
  last: number;
  message: Buffer;
}

/** The last few MiB of batches are kept for every subscriber to share: one that fell a little behind resumes from memory. */
const KEEP_BYTES = 8 * 1024 * 1024;
/** Beyond them, a place in the log every this many bytes, so that a subscriber far behind starts reading near its line. */
const CHECKPOINT_SPACING_BYTES = 4 * 1024 * 1024;

/**
 * A job's recent batches, held once for all of its subscribers (their memory
 * does not grow with the number of subscribers, nor with the log), and sparse
 * checkpoints of the log before them.
 */
export class RecentBatches {
  private readonly batches: (Batch & { from: LogCheckpoint })[] = [];
  private bytes = 0;
  private readonly checkpoints: LogCheckpoint[] = [{ position: 0, line: 0 }];

  /** Keeps `batch`, read from the log starting at `from`; an empty read keeps only its place. */
  add(from: LogCheckpoint, batch: Batch | null): void {
    if (batch) {
      this.batches.push({ ...batch, from });
      this.bytes += batch.message.length;
    } else this.mark(from);
    while (this.bytes > KEEP_BYTES) {
      const dropped = this.batches.shift()!;
      this.bytes -= dropped.message.length;
      this.mark(dropped.from);
    }
  }

  /** The batches holding the lines after `line` up to `upTo`, oldest first; null when memory no longer holds them all. */
  between(line: number, upTo: number): Batch[] | null {
    if (line >= upTo) return [];
    const start = this.batches.findIndex((b) => b.last > line);
    if (start === -1 || this.batches[start]!.first > line + 1) return null;
    return this.batches.slice(start);
  }

  /** The nearest place at or before line `line` to start reading the log from. */
  checkpointFor(line: number): LogCheckpoint {
    for (let i = this.checkpoints.length - 1; i >= 0; i--) if (this.checkpoints[i]!.line <= line) return this.checkpoints[i]!;
    return { position: 0, line: 0 };
  }

  private mark(at: LogCheckpoint): void {
    if (at.position - this.checkpoints.at(-1)!.position >= CHECKPOINT_SPACING_BYTES) this.checkpoints.push(at);
  }
}
