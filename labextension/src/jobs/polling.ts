/** The part of `document` the polling reads: whether the browser tab is in view, and when that changes. */
export interface IVisibility {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * Loads the panel again every `everyMs` (and ticks its clocks every
 * `tickMs`) only while someone can see it: the panel shown, the browser
 * tab in view, and the session still signed in. A hidden tab costs the
 * server nothing; once a load is refused as signed out (401), asking again
 * every few seconds would only be refused again, so polling halts until the
 * tab is shown again or the panel asks by hand (Refresh, shown again).
 */
export class Polling {
  private shown = false;
  private halted = false;
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor(
    private readonly load: () => void,
    private readonly tick: () => void,
    private readonly times: { everyMs: number; tickMs: number },
    private readonly page: IVisibility,
  ) {
    page.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Whether it is polling now. */
  get running(): boolean {
    return this.timers.length > 0;
  }

  /** The panel is shown or hidden. Shown again, a halt is over: that is someone looking. */
  setShown(shown: boolean): void {
    this.shown = shown;
    if (shown) this.halted = false;
    this.sync();
  }

  /** A load was refused as signed out: no more until the tab or the panel is shown again, or `resume`. */
  halt(): void {
    this.halted = true;
    this.sync();
  }

  /** Someone asked by hand (Refresh): a halt is over. */
  resume(): void {
    this.halted = false;
    this.sync();
  }

  dispose(): void {
    this.page.removeEventListener('visibilitychange', this.onVisibility);
    this.stop();
  }

  private readonly onVisibility = (): void => {
    // Back in view: perhaps signed in again meanwhile, in another tab; one more try tells.
    if (this.page.visibilityState === 'visible') this.halted = false;
    this.sync();
  };

  private sync(): void {
    const wanted = this.shown && !this.halted && this.page.visibilityState === 'visible';
    if (wanted && !this.running) {
      this.load();
      this.timers = [setInterval(this.load, this.times.everyMs), setInterval(this.tick, this.times.tickMs)];
    } else if (!wanted) {
      this.stop();
    }
  }

  private stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
