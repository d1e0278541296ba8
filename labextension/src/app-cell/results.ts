import { Signal, type ISignal } from '@lumino/signaling';
import type { Job, NarrativeClient, ObjectVersion } from '@narrative/server/client';
import { outputsOf } from './state.js';

/** The log lines an app cell keeps (the whole log is one click away, in the job's API). */
export const MAX_LOG_LINES = 500;

/**
 * What the cell shows of its job beyond the state: the tail of its log and
 * the descriptions of its outputs. Both belong to one job at a time; `reset`
 * starts them afresh for the next.
 */
export class JobResults {
  private _log: string[] = [];
  private readonly outputs = new Map<string, ObjectVersion>();
  private readonly _logChanged = new Signal<this, readonly string[]>(this);
  private readonly _outputsChanged = new Signal<this, void>(this);

  constructor(private readonly client: Pick<NarrativeClient, 'jobLog' | 'getObject'>) {}

  /** A log line came, or the log was loaded whole. */
  get logChanged(): ISignal<this, readonly string[]> {
    return this._logChanged;
  }
  /** The outputs of the job are described (name, type, data). */
  get outputsChanged(): ISignal<this, void> {
    return this._outputsChanged;
  }
  get log(): readonly string[] {
    return this._log;
  }

  output(ref: string): ObjectVersion | undefined {
    return this.outputs.get(ref);
  }

  reset(): void {
    this._log = [];
    this.outputs.clear();
  }

  append(text: string): void {
    this._log.push(text);
    if (this._log.length > MAX_LOG_LINES) this._log.splice(0, this._log.length - MAX_LOG_LINES);
    this._logChanged.emit(this._log);
  }

  /** Loads an ended job's log (unless its tail came with the job) and outputs quietly, before it is first shown. */
  async preload(job: Job, log: readonly string[] | null = null): Promise<void> {
    const [lines] = await Promise.all([log ? [...log].slice(-MAX_LOG_LINES) : this.fetchLog(job.id), this.describeOutputs(job)]);
    this._log = lines;
  }

  /**
   * Describes a job's outputs (and loads its log, for a job never streamed
   * here) and says so; false when `stillShown` says the cell moved on meanwhile.
   */
  async load(job: Job, withLog: boolean, stillShown: () => boolean): Promise<boolean> {
    const log = withLog ? this.fetchLog(job.id) : null;
    await this.describeOutputs(job);
    const lines = await log;
    if (!stillShown()) return false;
    if (lines) {
      this._log = lines;
      this._logChanged.emit(this._log);
    }
    this._outputsChanged.emit();
    return true;
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private fetchLog(jobId: number): Promise<string[]> {
    // The log is a convenience: without it the state and outputs still show.
    return this.client.jobLog(jobId).then(({ lines }) => lines.map((l) => l.text).slice(-MAX_LOG_LINES), () => []);
  }

  private async describeOutputs(job: Job): Promise<void> {
    // An output that cannot be described shows by its ref only.
    await Promise.all(outputsOf(job).filter((ref) => !this.outputs.has(ref)).map((ref) =>
      this.client.getObject(ref).then((o) => void this.outputs.set(ref, o), () => undefined)));
  }
}
