import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { reconcileEnded, reconcileOnce } from './reconcile.js';

export interface Reconciler {
  /** Looks at these jobs soon, between passes: their wrappers said they ended. */
  wake(jobId: number): void;
  stop(): Promise<void>;
}

/**
 * Reconciles unfinished jobs every `everyMs`, one pass at a time; a failing pass is logged and the next one tries again.
 * A tick that comes while a pass is still waiting to start adds nothing: a slow store or scheduler never builds a backlog.
 * `passEnded` hears how long each finished pass took (for the reconcile lag metric).
 */
export function startReconciler(ctx: Context, everyMs: number, logger: Logger, passEnded: (seconds: number) => void = () => {}): Reconciler {
  const execution = ctx.execution;
  if (!execution) return { wake: () => undefined, stop: async () => undefined };
  let pass: Promise<void> = Promise.resolve();
  let stopped = false;
  /** `starting` runs first whatever happens next (no lead, a failure), so what waits to start is always known. */
  const enqueue = (starting: () => void, work: () => Promise<void>) => {
    pass = pass
      .then(async () => {
        starting();
        if (!stopped && (await ctx.coordination.leadsReconciler())) await work();
      })
      .catch((error: unknown) => logger.error({ err: error }, 'reconciling jobs failed'));
  };

  let tickWaiting = false;
  const timer = setInterval(() => {
    if (tickWaiting) return;
    tickWaiting = true;
    enqueue(() => (tickWaiting = false), async () => {
      const started = performance.now();
      await reconcileOnce(ctx, execution);
      passEnded((performance.now() - started) / 1000);
    });
  }, everyMs);

  const woken = new Set<number>();
  return {
    wake(jobId) {
      if (woken.size === 0) {
        let ids: number[] = [];
        enqueue(() => {
          ids = [...woken];
          woken.clear();
        }, () => reconcileEnded(ctx, execution, ids));
      }
      woken.add(jobId);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
