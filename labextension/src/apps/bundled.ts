import { Signal, type ISignal } from '@lumino/signaling';
import type { BundledApp, BundledApps, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';

/** How often the progress is asked for while apps build, and after a failed request (the server may be restarting). */
const POLL_MS = 2000;
const RETRY_MS = 10_000;

/**
 * The server's bundled apps as they build on its first start: asked for
 * every few seconds until each is ready or failed, then no more. Tells its
 * listeners of every change, and separately of each app that became ready
 * (the catalog has a new app; cells naming it can run).
 */
export class BundledAppsModel {
  private _status: BundledApps | null = null;
  private _error: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _ready = new Signal<this, BundledApp[]>(this);

  constructor(
    private readonly client: Pick<NarrativeClient, 'bundledApps'>,
    private readonly every: { pollMs: number; retryMs: number } = { pollMs: POLL_MS, retryMs: RETRY_MS },
  ) {}

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** Apps that were on their way at the last look and are in the catalog now. */
  get ready(): ISignal<this, BundledApp[]> {
    return this._ready;
  }
  /** The last answer, or null before the first. */
  get status(): BundledApps | null {
    return this._status;
  }
  /** Why the last request failed (it is tried again), or null. */
  get error(): string | null {
    return this._error;
  }
  /** The apps still on their way (and the failed, which say why), while any is not ready. */
  get unfinished(): BundledApp[] {
    return this._status?.apps.filter((a) => a.state !== 'ready') ?? [];
  }

  /** Starts asking; each answer schedules the next while something is still building. */
  start(): void {
    if (this.timer === null && !this.disposed) void this.poll();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    Signal.clearData(this);
  }

  private async poll(): Promise<void> {
    this.timer = null;
    let next = this.every.pollMs;
    try {
      const status = await this.client.bundledApps();
      const before = new Map((this._status?.apps ?? []).map((a) => [`${a.id}@${a.version}`, a.state]));
      // Ready now, and not at the last look (or never looked at: the first answer's ready apps are in the catalog already).
      const nowReady = this._status ? status.apps.filter((a) => a.state === 'ready' && before.get(`${a.id}@${a.version}`) !== 'ready') : [];
      this._status = status;
      this._error = null;
      if (status.done) next = 0;
      if (!this.disposed) {
        this._changed.emit();
        if (nowReady.length > 0) this._ready.emit(nowReady);
      }
    } catch (error) {
      this._error = describeError(error);
      next = this.every.retryMs;
      if (!this.disposed) this._changed.emit();
    }
    if (next > 0 && !this.disposed) this.timer = setTimeout(() => void this.poll(), next);
  }
}
