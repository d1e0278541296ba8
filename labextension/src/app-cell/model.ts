import type { TranslationBundle } from '@jupyterlab/translation';
import { Signal, type ISignal } from '@lumino/signaling';
import type { ApiError, AppVersion, Job, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { awaitBuiltApp, isStillBeingBuilt } from './app-loader.js';
import { attemptsFrom, awaitResubmission, mayBeResubmitted, RESUBMIT_POLL, type IResubmitPoll } from './attempts.js';
import { AppCellForm } from './form.js';
import { RunHistory } from './history.js';
import type { ICellRuns, IRestoredJob } from './job-lookup.js';
import type { JobStreamFactory } from './job-stream.js';
import { recordJob, type IAppCellMetadata } from './metadata.js';
import { JobResults } from './results.js';
import { isEnded, isRetryable, jobOf, transition, type AppCellAction, type AppCellEvent, type AppCellState } from './state.js';

/** What the model asks of the REST client. */
export type AppCellClient = Pick<NarrativeClient, 'app' | 'job' | 'jobLog' | 'getObject' | 'run' | 'cancelJob' | 'retryJob' | 'rerunJob' | 'listJobs'>;

export namespace AppCellModel {
  export interface IOptions {
    client: AppCellClient;
    trans: TranslationBundle;
    /** The cell's `narrative.app` metadata: the inputs and parameters live there, and the job is recorded there. */
    read(): IAppCellMetadata;
    write(metadata: IAppCellMetadata): void;
    /** The workspace of the narrative the cell belongs to. */
    wsid(): Promise<number>;
    /** Called when a job this cell followed completed (the Data panel refreshes). */
    completed(): void;
    /** Whether the user may only read this narrative: then nothing runs or changes here. */
    readOnly(): boolean;
    /** The cell's own id, recorded with a job it starts (a pasted copy has another). */
    cellId(): string;
    /** The narrative the cell is in, named in each run so its outputs' provenance says where they came from. */
    narrativeId(): number | null;
    streams: JobStreamFactory;
    /** The cell's job as the narrative's lookup fetched it with every other cell's (./job-lookup.ts); without it, the job is asked for alone. */
    restoreJob?(id: number): Promise<IRestoredJob | null>;
    /** The user's runs of this cell as that lookup counted them (see RunHistory.IOptions.runs). */
    cellRuns?(): Promise<ICellRuns | null>;
    /** How long to wait for the server's resubmission of a job killed for memory or time (tests wait less). */
    resubmitPoll?: IResubmitPoll;
    /** How often to ask again for an app the server is still building (tests wait less). */
    appBuildPollMs?: number;
  }
}

function requestId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  return `req-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * An app cell without its view: the run state (./state.ts), the job's log and
 * outputs (./results.ts), and the inputs and parameters kept in the cell metadata. Every
 * state change goes through `apply`, which also starts what the new state
 * needs (a stream, the outputs' descriptions) and writes the job to the metadata.
 */
export class AppCellModel {
  private _state: AppCellState = { kind: 'restoring' };
  private _app: AppVersion | null = null;
  private _appError: string | null = null;
  private _appPending = false;
  private _error: string | null = null;
  private _disposed = false;
  private stream: { dispose(): void } | null = null;
  /** The workspace of the narrative (null until known, or when it cannot be). */
  private wsid: number | null = null;
  private pendingRequestId: string | null = null;
  private readonly _stateChanged = new Signal<this, AppCellState>(this);

  /** The inputs and parameters. */
  readonly form: AppCellForm;
  /** The log and outputs of the cell's job. */
  readonly results: JobResults;
  /** Every run of the cell, and which one shows. */
  readonly history: RunHistory;

  constructor(private readonly options: AppCellModel.IOptions) {
    this.form = new AppCellForm({
      trans: options.trans,
      read: () => options.read(),
      write: (metadata) => options.write(metadata),
      getObject: (ref) => options.client.getObject(ref),
      locked: () => this.locked,
    });
    this.results = new JobResults(options.client);
    this.history = new RunHistory({
      client: options.client, narrativeId: () => options.narrativeId(), cellId: () => options.cellId(), current: () => this.job,
      ...(options.cellRuns ? { runs: options.cellRuns } : {}),
    });
  }

  /** The run state moved, or its job changed. */
  get stateChanged(): ISignal<this, AppCellState> {
    return this._stateChanged;
  }

  get state(): AppCellState {
    return this._state;
  }
  get job(): Job | null {
    return jobOf(this._state);
  }
  /** The app version, once loaded; null while restoring or when it could not be loaded (see appError). */
  get app(): AppVersion | null {
    return this._app;
  }
  get appError(): string | null {
    return this._appError;
  }
  /** The app is one of the server's bundled apps, still being built (appError says how far): the cell waits for it. */
  get appPending(): boolean {
    return this._appPending;
  }
  /** Why the last request failed, or why the cell's job could not be loaded. */
  get error(): string | null {
    return this._error;
  }
  get metadata(): IAppCellMetadata {
    return this.options.read();
  }
  get readOnly(): boolean {
    return this.options.readOnly();
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  /** A request is out. */
  get busy(): boolean {
    return this._state.kind === 'submitting';
  }
  /** The job shown has not ended. */
  get running(): boolean {
    const job = this.job;
    return job !== null && !isEnded(job);
  }
  /** Whether the inputs, parameters and Run are locked. */
  get locked(): boolean {
    return this._state.kind === 'restoring' || this.busy || this.running || this.readOnly;
  }
  /**
   * Whether Cancel and Retry apply: not for a reader, and not to a job of
   * another workspace (a copied narrative's cells show the original's jobs;
   * acting on those would touch the original). Run makes a new job here.
   */
  get ownsJob(): boolean {
    const job = this.job;
    return job !== null && !this.readOnly && this.wsid !== null && job.wsid === this.wsid;
  }
  get offersCancel(): boolean {
    return this.running && this.ownsJob;
  }
  get offersRetry(): boolean {
    const job = this.job;
    return job !== null && isRetryable(job) && this.ownsJob;
  }
  /** Re-run & verify: a completed job of this cell runs again from its provenance and its outputs are compared with these. */
  get offersVerify(): boolean {
    return this.job?.state === 'completed' && this.ownsJob;
  }
  get canRun(): boolean {
    return !this.locked && this._app !== null && this.form.errors().size === 0;
  }

  /** Loads the app and the cell's job, then shows it: a job not ended is streamed again, an ended one shows with its log and outputs. */
  async restore(): Promise<void> {
    if (this._state.kind !== 'restoring') return;
    const { client } = this.options;
    const saved = this.metadata;
    // Everything is fetched side by side: a narrative may restore hundreds of cells.
    // A job resubmitted since (for memory or time) shows at its last attempt.
    const restoring = saved.jobId === undefined ? { attempts: [], log: null } : this.restoreJob(saved.jobId).catch((error: unknown) => {
      this._error = describeError(error);
      return { attempts: [], log: null };
    });
    const wsid = this.options.wsid().catch(() => null);
    const names = this.form.describeInputs();
    try {
      this._app = await client.app(saved.id, saved.version);
    } catch (error) {
      this._appPending = isStillBeingBuilt(error);
      this._appError = this._appPending ? (error as ApiError).problem.detail : describeError(error);
    }
    if (this._disposed) return;
    if (this._app) this.form.setSpec(this._app.spec);
    else if (this._appPending) void this.awaitApp(saved.id, saved.version);
    const { attempts, log } = await restoring;
    for (const attempt of attempts) this.history.track(attempt);
    const found = attempts[attempts.length - 1] ?? null;
    await names;
    this.wsid = await wsid;
    if (found && isEnded(found)) {
      // An ended job (the usual case when a narrative opens) shows at once with its log and outputs: each render costs a layout.
      await this.results.preload(found, log);
    }
    if (this._disposed) return;
    this.apply({ type: 'restored', job: found });
    // Opened between a failure and its resubmission: the cell waits for it as when it saw the failure.
    if (found) void this.followResubmission(found);
  }

  /** The cell's job and the resubmissions it names since, the last one's log tail with it when the lookup had it. */
  private async restoreJob(id: number): Promise<{ attempts: Job[]; log: readonly string[] | null }> {
    const { client, trans } = this.options;
    const restored = this.options.restoreJob ? await this.options.restoreJob(id) : { job: await client.job(id), log: null };
    if (!restored) throw new Error(trans.__('Job %1 could not be loaded: it does not exist, or you may not read it.', id));
    const attempts = await attemptsFrom(client, restored.job);
    return { attempts, log: attempts.length === 1 ? restored.log : null };
  }

  /** Runs the app on the cell's inputs and parameters as a new job. */
  async run(): Promise<void> {
    if (!this.canRun) return;
    await this.request('run', async () => {
      const cell = this.metadata;
      // One id per intended run: a double click or a repeated request returns the same job.
      this.pendingRequestId ??= requestId();
      const ws = await this.options.wsid();
      const narrative = this.options.narrativeId();
      const job = await this.options.client.run({
        app: cell.id, version: cell.version, ws: String(ws), inputs: cell.inputs, params: cell.params, clientRequestId: this.pendingRequestId,
        ...(narrative === null ? {} : { narrative: { id: narrative, cell: this.options.cellId() } }),
      });
      this.pendingRequestId = null;
      return job;
    });
  }

  async cancel(): Promise<void> {
    const job = this.job;
    if (job && this.offersCancel) await this.request('cancel', () => this.options.client.cancelJob(job.id));
  }

  /** Runs a failed or cancelled job again, as a new job. */
  async retry(): Promise<void> {
    const job = this.job;
    if (job && this.offersRetry) await this.request('retry', () => this.options.client.retryJob(job.id));
  }

  /** Shows and follows a job started for this cell by a run of the whole narrative. */
  adopt(job: Job): void {
    if (!this._disposed && !this.readOnly) this.apply({ type: 'adopted', job });
  }

  /** Runs the completed job again from its provenance; the new job's report says whether its outputs are the same bytes. */
  async verify(): Promise<void> {
    const job = this.job;
    if (job && this.offersVerify) await this.request('verify', () => this.options.client.rerunJob(job.id, { verify: true }));
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.stream?.dispose();
    this.stream = null;
    this.form.dispose();
    this.results.dispose();
    this.history.dispose();
    Signal.clearData(this);
  }

  /** Moves to the next state (if the event applies), then does what entering it needs. */
  private apply(event: AppCellEvent): boolean {
    const before = this._state;
    const after = transition(before, event);
    if (after === null) return false;
    this._state = after;
    const was = jobOf(before);
    const job = jobOf(after);
    const restored = before.kind === 'restoring';
    const fresh = job !== null && job.id !== was?.id;
    if (fresh && !restored) this.startAfresh(job);
    if (job) {
      this.options.write(recordJob(this.metadata, job));
      this.history.track(job);
    }
    this._stateChanged.emit(after);
    if (!job) return true;
    if (fresh && !isEnded(job)) this.listen(job.id);
    // A restored job came with its log and outputs; otherwise a job that just ended (or a new one that had) shows them now.
    else if (!restored && isEnded(job) && (fresh || (was !== null && !isEnded(was)))) {
      void this.finish(job, fresh);
      void this.followResubmission(job);
    }
    return true;
  }

  /** A run, cancel or retry: the controls lock while the request is out, and a failure shows under them. */
  private async request(action: AppCellAction, send: () => Promise<Job>): Promise<void> {
    this._error = null;
    if (!this.apply({ type: 'submit', action })) return;
    let job: Job;
    try {
      job = await send();
    } catch (error) {
      if (this._disposed) return;
      this._error = describeError(error);
      this.apply({ type: 'request-failed' });
      return;
    }
    if (!this._disposed) this.apply({ type: 'answered', job });
  }

  /** A new job of this cell: the last one's log and outputs go, and the cell records the job as its own. */
  private startAfresh(job: Job): void {
    this.stream?.dispose();
    this.stream = null;
    this.results.reset();
    this.options.write({ ...this.metadata, jobId: job.id, cellId: this.options.cellId() });
  }

  private listen(jobId: number): void {
    this.stream?.dispose();
    this.stream = this.options.streams(jobId, {
      job: (job) => {
        // An update of another job (a late one) is refused by the transition.
        if (!this._disposed) this.apply({ type: 'update', job });
      },
      log: (text) => {
        if (!this._disposed && this.job?.id === jobId) this.results.append(text);
      },
    });
  }

  /** The cell's app is a bundled one still being built: it becomes runnable here as soon as it is ready. */
  private async awaitApp(id: string, version: string): Promise<void> {
    const still = () => !this._disposed && this._app === null;
    const shown = () => this._stateChanged.emit(this._state);
    try {
      const app = await awaitBuiltApp(this.options.client, id, version, { still, waiting: (error) => {
        this._appError = error.problem.detail;
        shown();
      }, ...(this.options.appBuildPollMs ? { pollMs: this.options.appBuildPollMs } : {}) });
      if (!app || !still()) return;
      this._app = app;
      this._appError = null;
      this.form.setSpec(app.spec);
    } catch (error) {
      this._appError = describeError(error);
    }
    this._appPending = false;
    if (!this._disposed) shown();
  }

  /** A job killed for memory or time is resubmitted by the server just after: the cell follows the next attempt to its end. */
  private async followResubmission(job: Job): Promise<void> {
    if (!mayBeResubmitted(job, this._app?.spec)) return;
    const still = () => !this._disposed && this.job?.id === job.id;
    const next = await awaitResubmission(this.options.client, job, this.options.resubmitPoll ?? RESUBMIT_POLL, still);
    if (next && still()) this.apply({ type: 'adopted', job: next });
  }

  /** A job ended: its outputs are described (and its log loaded, for a job never streamed here); a completed one refreshes the Data panel. */
  private async finish(job: Job, withLog: boolean): Promise<void> {
    const shown = await this.results.load(job, withLog, () => !this._disposed && this.job?.id === job.id);
    if (shown && job.state === 'completed') this.options.completed();
  }
}
