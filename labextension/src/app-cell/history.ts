import { Signal, type ISignal } from '@lumino/signaling';
import type { Job, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { isResubmission } from './attempts.js';
import type { ICellRuns } from './job-lookup.js';
import { JobResults } from './results.js';
import { isEnded } from './state.js';

/** What the history asks of the REST client. */
export type HistoryClient = Pick<NarrativeClient, 'listJobs' | 'job' | 'jobLog' | 'getObject'>;

/** Runs listed per page (the newest first, then "Show older runs"). */
export const HISTORY_PAGE = 10;
/** Jobs loaded one by one along the cell's job's links (retried, re-run): the chain a reader sees. */
const MAX_CHAIN = 10;

/** A parameter whose value differs from the run before; undefined: not set. */
export interface IParamChange {
  readonly name: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** One run of the cell: a job and the automatic resubmissions that followed it. */
export interface IRun {
  /** First to last: one job, or a job that failed for memory or time and its resubmissions. */
  readonly attempts: readonly Job[];
  /** The last attempt: the run's state, log and outputs are its own. */
  readonly job: Job;
  /** The parameters that differ from the run listed before it; null when that run is not known (not loaded, or none). */
  readonly changes: readonly IParamChange[] | null;
}

export namespace RunHistory {
  export interface IOptions {
    client: HistoryClient;
    /** The narrative of the cell; null when the notebook is not one (then only the cell's own job and its links are known). */
    narrativeId(): number | null;
    cellId(): string;
    /** The job the cell records and follows: its latest run. */
    current(): Job | null;
    /** How many runs of the user's the cell has, and the newest (null: not known): when the cell's job is the only one, nothing is listed. */
    runs?(): Promise<ICellRuns | null>;
  }
}

/**
 * Every run of an app cell, newest first, and which one the cell shows. The
 * server lists the caller's own jobs of the cell (`GET /jobs?narrative=&cell=`,
 * a page at a time); a reader of a shared narrative has none there, so the
 * cell's own job is always in, with the jobs it links to (what it retried or
 * re-ran, what retried it). The model tells it of each job it follows.
 */
export class RunHistory {
  private readonly jobs = new Map<number, Job>();
  private _runs: IRun[] = [];
  /** The cursor of the next page; null once the last page was listed. */
  private cursor: string | null = null;
  private listed = false;
  private request: Promise<void> | null = null;
  private _error: string | null = null;
  /** The job shown instead of the cell's own: of an earlier run, or an earlier attempt; null: the cell's job shows. */
  private shownId: number | null = null;
  private disposed = false;
  private readonly _changed = new Signal<this, void>(this);

  /** The log and outputs of the job shown instead of the cell's own. */
  readonly results: JobResults;

  constructor(private readonly options: RunHistory.IOptions) {
    this.results = new JobResults(options.client);
  }

  /** The runs, which run shows, or whether a page is loading changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** Newest first. */
  get runs(): readonly IRun[] {
    return this._runs;
  }
  get loading(): boolean {
    return this.request !== null;
  }
  /** Why the runs could not be listed. */
  get error(): string | null {
    return this._error;
  }
  /** Whether older runs may be listed: the first page is still to come, or another follows. */
  get hasMore(): boolean {
    return !this.listed || this.cursor !== null;
  }
  /** The job shown instead of the cell's own (an earlier run's, or an earlier attempt's); null when the cell's job shows. */
  get shownJob(): Job | null {
    const job = this.shownId === null ? undefined : this.jobs.get(this.shownId);
    return job && job.id !== this.options.current()?.id ? job : null;
  }

  /** The run of the job shown, if it is not the cell's own job. */
  get shown(): IRun | null {
    const job = this.shownJob;
    return (job && this.runOf(job.id)) ?? null;
  }

  /** The run a job is an attempt of. */
  runOf(jobId: number): IRun | undefined {
    return this._runs.find((run) => run.attempts.some((j) => j.id === jobId));
  }

  /** Whether a run is the cell's own, latest run (the one its job is an attempt of). */
  isLatest(run: IRun): boolean {
    const current = this.options.current();
    return current !== null && run.attempts.some((j) => j.id === current.id);
  }

  /** Lists the first page (once), and the cell's job's links. */
  load(): Promise<void> {
    if (this.listed) return Promise.resolve();
    return this.fetch(async () => {
      try {
        if (await this.allKnown()) this.listed = true;
        else await this.listPage();
      } finally {
        // Also when the listing failed: the cell's own job and its chain need no listing.
        await this.followLinks();
      }
    });
  }

  /** Lists the next page of older runs (the first, if that failed). */
  more(): Promise<void> {
    if (!this.listed) return this.load();
    if (this.cursor === null) return Promise.resolve();
    return this.fetch(() => this.listPage());
  }

  /**
   * A job of the cell as the model saw it (a new run, or a change): a new run
   * of the cell shows as the latest. Quietly: the model's stateChanged, which
   * redraws the cell, follows.
   */
  track(job: Job): void {
    const fresh = !this.jobs.has(job.id);
    this.merge([job]);
    if (fresh && this.options.current()?.id === job.id) this.shownId = null;
    this.regroup();
  }

  /**
   * Shows a run (its last attempt, or `attempt`) with its own log and
   * outputs instead of the cell's job; null, or the cell's job, shows that again.
   */
  async show(run: IRun | null, attempt?: Job): Promise<void> {
    const job = attempt ?? run?.job ?? null;
    if (job === null || job.id === this.options.current()?.id) {
      this.shownId = null;
      this._changed.emit();
      return;
    }
    const id = job.id;
    this.shownId = id;
    this.results.reset();
    this._changed.emit();
    await this.results.load(job, true, () => !this.disposed && this.shownId === id);
  }

  dispose(): void {
    this.disposed = true;
    this.results.dispose();
    Signal.clearData(this);
  }

  /** One request at a time; what it found (or why it failed) is told when it ends. */
  private fetch(work: () => Promise<void>): Promise<void> {
    if (this.request) return this.request;
    this._error = null;
    this.request = work()
      .catch((error: unknown) => void (this._error = describeError(error)))
      .finally(() => {
        this.request = null;
        if (this.disposed) return;
        this.regroup();
        this._changed.emit();
      });
    this._changed.emit();
    return this.request;
  }

  /** Whether the user's runs of the cell, as counted when the narrative opened, are none or only the cell's own job: then a listing would find nothing more. */
  private async allKnown(): Promise<boolean> {
    const counted = await this.options.runs?.().catch(() => null);
    if (!counted) return false;
    return counted.runs === 0 || (counted.runs === 1 && counted.latest === this.options.current()?.id);
  }

  private async listPage(): Promise<void> {
    const narrative = this.options.narrativeId();
    if (narrative === null) {
      this.listed = true;
      return;
    }
    const page = await this.options.client.listJobs({
      narrative, cell: this.options.cellId(), limit: HISTORY_PAGE, ...(this.listed && this.cursor !== null ? { cursor: this.cursor } : {}),
    });
    this.merge(page.items);
    this.cursor = page.next;
    this.listed = true;
  }

  /**
   * The jobs the cell's job links to, one by one: for a reader (whose own
   * jobs are the only ones listed) and a copied narrative (whose jobs ran in
   * another) the cell's job and its chain are the history. A job that cannot
   * be read is left out.
   */
  private async followLinks(): Promise<void> {
    const start = this.options.current();
    if (!start) return;
    const links = (job: Job) => [job.retryOf, job.rerunOf, job.retriedBy].filter((id): id is number => id !== null);
    const queue = links(this.jobs.get(start.id) ?? start);
    for (let loaded = 0; queue.length > 0 && loaded < MAX_CHAIN;) {
      const id = queue.shift()!;
      if (this.jobs.has(id)) continue;
      loaded++;
      const job = await this.options.client.job(id).catch(() => null);
      if (!job || this.disposed) continue;
      this.merge([job]);
      queue.push(...links(job));
    }
  }

  /** Keeps the newest word on each job: a page listed before a stream's update never takes an ended job back. */
  private merge(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const known = this.jobs.get(job.id);
      if (known && isEnded(known) && !isEnded(job)) continue;
      this.jobs.set(job.id, job);
    }
  }

  private regroup(): void {
    this._runs = groupRuns([...this.jobs.values()]);
  }
}

/**
 * Jobs as runs, newest first: a resubmission joins the run of the job it
 * resubmits. Each run's parameters are compared with those of the run listed
 * after it (the oldest listed has none to compare with).
 */
export function groupRuns(jobs: readonly Job[]): IRun[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const firstOf = (job: Job): Job => {
    let first = job;
    for (let hops = 0; hops < byId.size; hops++) {
      const parent = first.retryOf === null ? undefined : byId.get(first.retryOf);
      if (!parent || !isResubmission(parent, first)) break;
      first = parent;
    }
    return first;
  };
  const groups = new Map<number, Job[]>();
  for (const job of jobs) {
    const first = firstOf(job).id;
    groups.set(first, [...(groups.get(first) ?? []), job]);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => b - a).map(([, attempts]) => attempts.sort((a, b) => a.id - b.id));
  return ordered.map((attempts, i) => {
    const before = ordered[i + 1];
    return { attempts, job: attempts[attempts.length - 1]!, changes: before ? paramChanges(before[0]!.params, attempts[0]!.params) : null };
  });
}

/** The parameters whose values differ between two runs, by name. */
export function paramChanges(before: Record<string, unknown>, after: Record<string, unknown>): IParamChange[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names.filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name])).map((name) => ({ name, before: before[name], after: after[name] }));
}
