import { PromiseDelegate } from '@lumino/coreutils';
import type { Job, NarrativeClient } from '@narrative/server/client';
import { MAX_LOG_LINES } from './results.js';

/** What the lookup asks of the REST client. */
export type LookupClient = Pick<NarrativeClient, 'lookupJobs'>;

/** A job as a cell restores it: with the tail of its log when it has ended (null: not ended, or not asked). */
export interface IRestoredJob {
  readonly job: Job;
  readonly log: readonly string[] | null;
}

/** The user's runs of one cell of the narrative: how many, and the newest's job id. */
export interface ICellRuns {
  readonly runs: number;
  readonly latest: number;
}

/** The most ids one request asks for (the server's own bound). */
const MAX_IDS = 1000;
/**
 * How long what the narrative's opening fetched stands for: the cells restore within it; a later
 * restore (a reload, an undone delete) and a later look at a cell's runs ask the server again.
 */
export const PREFETCH_FRESH_MS = 60_000;

/**
 * The jobs of one open narrative's app cells, fetched together: a narrative of
 * hundreds of app cells would otherwise ask for each cell's job, its log and
 * its runs one cell at a time. `prefetch` asks for every job the notebook
 * names, with the tails of their logs and how many runs each cell has, in one
 * request; a job asked for later (a resubmission a cell follows, say) is
 * asked for with the others asked in the same turn.
 */
export class JobLookup {
  /** Prefetched answers, each kept until as many cells as named it took it. */
  private readonly prefetched = new Map<number, { answer: Promise<IRestoredJob | null>; takers: number }>();
  private pending = new Map<number, PromiseDelegate<IRestoredJob | null>>();
  private flushing: ReturnType<typeof setTimeout> | null = null;
  private cellRuns: Promise<Record<string, ICellRuns> | null> = Promise.resolve(null);
  /** When the prefetch was answered; what it fetched stands until PREFETCH_FRESH_MS after. */
  private answeredAt = Infinity;

  constructor(
    private readonly client: LookupClient,
    private readonly narrativeId: number | null,
  ) {}

  /** Asks for these jobs (one per cell that names it: a job named twice is taken twice) and, for a narrative, how many runs each cell has. */
  prefetch(ids: readonly number[]): void {
    const takers = new Map<number, number>();
    for (const id of ids) takers.set(id, (takers.get(id) ?? 0) + 1);
    const unique = [...takers.keys()];
    if (unique.length === 0 && this.narrativeId === null) return;
    const chunks = Array.from({ length: Math.max(1, Math.ceil(unique.length / MAX_IDS)) }, (_, i) => unique.slice(i * MAX_IDS, (i + 1) * MAX_IDS));
    const answers = chunks.map((chunk, i) => this.ask(chunk, i === 0 && this.narrativeId !== null ? this.narrativeId : undefined));
    this.cellRuns = answers[0]!.then((a) => {
      this.answeredAt = Date.now();
      return a.cellRuns;
    }, () => {
      // Nothing of a failed lookup stands: the next cell to restore asks again.
      this.answeredAt = -Infinity;
      return null;
    });
    chunks.forEach((chunk, i) => {
      for (const id of chunk) {
        const answer = answers[i]!.then((a) => a.found.get(id) ?? null);
        // A cell that never takes its share (a pasted copy forgets its job) must not leave a rejection unheard.
        answer.catch(() => undefined);
        this.prefetched.set(id, { answer, takers: takers.get(id)! });
      }
    });
  }

  /** A job as its cell restores it; null when it does not exist or the user may not read it. Rejects when the server could not be asked. */
  restore(id: number): Promise<IRestoredJob | null> {
    if (this.stale()) this.prefetched.clear();
    const prefetched = this.prefetched.get(id);
    if (prefetched) {
      if (--prefetched.takers === 0) this.prefetched.delete(id);
      return prefetched.answer;
    }
    let waiting = this.pending.get(id);
    if (!waiting) {
      waiting = new PromiseDelegate<IRestoredJob | null>();
      this.pending.set(id, waiting);
    }
    this.flushing ??= setTimeout(() => this.flush(), 0);
    return waiting.promise;
  }

  /** The user's runs of a cell of the narrative (null: not known, and then they must be listed to be known). */
  async runsOf(cellId: string): Promise<ICellRuns | null> {
    const runs = await this.cellRuns;
    // Counted when the narrative opened: runs made since elsewhere (another tab, the CLI) are only found by listing.
    if (runs === null || this.stale()) return null;
    return runs[cellId] ?? { runs: 0, latest: 0 };
  }

  private stale(): boolean {
    return Date.now() - this.answeredAt > PREFETCH_FRESH_MS;
  }

  /** The jobs asked for in one turn, in one request. */
  private flush(): void {
    this.flushing = null;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      const chunk = ids.slice(i, i + MAX_IDS);
      this.ask(chunk).then(
        ({ found }) => chunk.forEach((id) => batch.get(id)!.resolve(found.get(id) ?? null)),
        (error: unknown) => chunk.forEach((id) => batch.get(id)!.reject(error)),
      );
    }
  }

  private async ask(ids: number[], cellRuns?: number): Promise<{ found: Map<number, IRestoredJob>; cellRuns: Record<string, ICellRuns> | null }> {
    const answer = await this.client.lookupJobs({ ids, logTail: MAX_LOG_LINES, ...(cellRuns === undefined ? {} : { cellRuns }) });
    const logs = new Map(answer.logs.map((l) => [l.id, l.lines.map((line) => line.text)]));
    const found = new Map(answer.jobs.map((job) => [job.id, { job, log: logs.get(job.id) ?? null }]));
    return { found, cellRuns: cellRuns === undefined ? null : answer.cellRuns };
  }
}
