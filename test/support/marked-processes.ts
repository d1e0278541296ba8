import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** A marker for one test's processes (the test app's `marker` param takes it). */
export const newMarker = (): string => `t-${randomUUID()}`;

/**
 * The PIDs of running processes whose environment holds NARRATIVE_TEST_MARKER=<marker>: the
 * ones a test started, never another process on the machine that runs the same command.
 * Containers' processes are in the host's /proc too; a zombie's environment reads empty.
 */
export function markedProcesses(marker: string): number[] {
  const entry = `NARRATIVE_TEST_MARKER=${marker}`;
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
    } catch {
      return false; // gone meanwhile
    }
  });
}
