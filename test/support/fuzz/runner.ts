import { errorOf, type Findings } from './findings.js';
import type { ServerChild } from './server-child.js';

/**
 * Runs work items a few at a time against the server child, and owns what
 * happens when it dies: the requests in flight at that moment are the
 * suspects, recorded as one crash finding (deduplicated by the error it died
 * of); then the server is restarted on the same data directory and the run
 * goes on, so one crash does not hide the rest of the findings.
 */
export class Runner {
  private readonly inFlight = new Set<Promise<unknown>>();
  private suspects: string[] = [];
  /** The last requests that finished (described only if needed): a client that hung up can crash the server after its own request is over. */
  private recent: (() => string)[] = [];
  private recovering: Promise<void> | null = null;
  private seenExits = 0;

  constructor(private readonly server: ServerChild, private readonly findings: Findings) {
    // Exits before this runner began belong to whoever ran then.
    this.seenExits = server.exits.length;
  }

  async runAll<T>(items: readonly T[], concurrency: number, execute: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    const worker = async () => {
      for (;;) {
        if (!this.server.alive || this.server.exits.length > this.seenExits) await this.recover();
        // Taken after the wait: other workers moved on meanwhile.
        const i = next++;
        if (i >= items.length) return;
        await execute(items[i]!);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (!this.server.alive || this.server.exits.length > this.seenExits) await this.recover();
  }

  /** Records a crash that happened outside runAll (while shrinking) and brings the server back. */
  async settle(): Promise<void> {
    if (!this.server.alive || this.server.exits.length > this.seenExits) await this.recover();
  }

  /**
   * Runs one request; `died` says the server exited while it was in flight
   * (then its answer means nothing). A connection refused or reset may be the
   * crash arriving before the exit does, so then the exit gets a moment.
   */
  async guarded<R extends { error?: string }>(label: () => string, fn: () => Promise<R>, owed = true): Promise<{ result: R; died: boolean }> {
    const exitsBefore = this.server.exits.length;
    const promise = fn();
    this.inFlight.add(promise);
    try {
      const result = await promise;
      // A client that hung up itself expects no answer: its silence says nothing about the server.
      if (owed && result.error && /ECONNREFUSED|ECONNRESET|socket hang up|EPIPE|closed without an answer|a partial answer/.test(result.error)) await this.server.exitsWithin(5_000);
      const died = this.server.exits.length > exitsBefore || !this.server.alive;
      if (died) this.suspects.push(label());
      else this.recent = [label, ...this.recent.slice(0, 3)];
      return { result, died };
    } finally {
      this.inFlight.delete(promise);
    }
  }

  private recover(): Promise<void> {
    this.recovering ??= (async () => {
      // Every request in flight fails fast once the process is gone; wait for them, so all suspects are named.
      await Promise.allSettled([...this.inFlight]);
      for (const exit of this.server.exits.slice(this.seenExits)) {
        const [first, ...rest] = this.suspects.length > 0 ? this.suspects : this.recent.length > 0 ? this.recent.map((r, i) => `${i === 0 ? '(none in flight; the last to finish:) ' : ''}${r()}`) : ['(no request yet)'];
        const cause = errorOf(exit.output) || `exit code ${exit.code}, signal ${exit.signal}`;
        const finding = this.findings.add({ kind: 'crash', detail: `the server process exited: ${cause}` }, undefined, undefined, undefined, exit.output);
        if (finding.count === 1) {
          finding.op = first!.split('\n')[0]!;
          finding.alsoInFlight = [first!, ...rest];
        }
        this.suspects = [];
      }
      this.seenExits = this.server.exits.length;
      await this.server.restartIfDown();
    })().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }
}
