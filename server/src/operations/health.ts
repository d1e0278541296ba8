import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Context } from '../domain/context.js';

export interface Check {
  ok: boolean;
  /** What failed, in words an operator can act on; absent when ok. */
  detail?: string;
  ms: number;
}

export interface HealthReport {
  status: 'ok' | 'failing';
  checks: { database: Check; dataDirectory: Check; scheduler: Check };
}

/** Each check's longest wait: a load balancer asks often and must get an answer. */
const CHECK_TIMEOUT_MS = 5000;

/**
 * Readiness, for a load balancer: the database answers, the data directory
 * (blobs, images, job directories; shared between replicas) is there and
 * writable, and the scheduler can be asked. Details name no secret.
 */
export async function checkHealth(ctx: Context, home: string): Promise<HealthReport> {
  const [database, dataDirectory, scheduler] = await Promise.all([
    timed(async () => void (await ctx.store.countUsers())),
    timed(async () => {
      if (!(await stat(home)).isDirectory()) throw new Error('not a directory');
      await access(home, constants.W_OK);
    }),
    timed(async () => {
      await ctx.execution?.scheduler.ping();
    }),
  ]);
  const checks = { database, dataDirectory, scheduler };
  return { status: Object.values(checks).every((c) => c.ok) ? 'ok' : 'failing', checks };
}

async function timed(check: () => Promise<void>): Promise<Check> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)))]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error), ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
