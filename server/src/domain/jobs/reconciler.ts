import type { Logger } from 'pino';
import type { Context } from '../context.js';
import { reconcileOnce } from './reconcile.js';

/** Reconciles unfinished jobs every `everyMs`, one pass at a time; a failing pass is logged and the next one tries again. */
export function startReconciler(ctx: Context, everyMs: number, logger: Logger): { stop(): Promise<void> } {
  const execution = ctx.execution;
  if (!execution) return { stop: async () => undefined };
  let pass: Promise<void> = Promise.resolve();
  let stopped = false;
  const timer = setInterval(() => {
    pass = pass.then(() => (stopped ? undefined : reconcileOnce(ctx, execution))).catch((error: unknown) => logger.error({ err: error }, 'reconciling jobs failed'));
  }, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pass;
    },
  };
}
