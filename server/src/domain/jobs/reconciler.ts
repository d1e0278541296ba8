import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { reconcileOnce } from './reconcile.js';

/**
 * Reconciles unfinished jobs every `everyMs`, one pass at a time; a failing pass is logged and the next one tries again.
 * `passEnded` hears how long each finished pass took (for the reconcile lag metric).
 */
export function startReconciler(ctx: Context, everyMs: number, logger: Logger, passEnded: (seconds: number) => void = () => {}): { stop(): Promise<void> } {
  const execution = ctx.execution;
  if (!execution) return { stop: async () => undefined };
  let pass: Promise<void> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    pass = pass
      .then(async () => {
        if (stopped || !(await ctx.coordination.leadsReconciler())) return;
        const started = performance.now();
        await reconcileOnce(ctx, execution);
        passEnded((performance.now() - started) / 1000);
      })
      .catch((error: unknown) => logger.error({ err: error }, 'reconciling jobs failed'));
  }, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
