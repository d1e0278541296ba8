/**
 * What a start-up has started so far, to stop again if a later step fails:
 * a failed start leaves nothing running (no reconciler, no Jupyter child, no
 * open port or store, no lock on the data directory).
 */
export class StartedSteps {
  private readonly stops: (() => Promise<void>)[] = [];

  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Stops everything, newest first; one stop failing does not keep the others from running. */
  async undo(onError: (error: unknown) => void): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        onError(error);
      }
    }
  }
}
