import { parentPort, workerData } from 'node:worker_threads';
import { contextOn } from './outputs-once.fixture.js';
import { reconcileOnce } from './reconcile.js';

/**
 * One side of the outputs-once race, on a thread of its own with its own
 * database connection (as a second server process): opens the data
 * directory, says it is ready, waits for the start signal, then runs one
 * reconcile pass and reports whether it failed.
 */
const { home, start } = workerData as { home: string; start: Int32Array };
const { ctx, execution } = await contextOn(home);
parentPort!.postMessage('ready');
Atomics.wait(start, 0, 0);
try {
  await reconcileOnce(ctx, execution);
  parentPort!.postMessage({ ok: true });
} catch (error) {
  parentPort!.postMessage({ ok: false, error: String((error as Error).stack ?? error) });
} finally {
  await ctx.store.close();
}
