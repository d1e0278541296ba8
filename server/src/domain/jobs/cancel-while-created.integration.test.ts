import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobSpec } from '@narrative/launcher-native';
import { clusterDown, clusterUp, type ClusterInfo } from '@narrative/launcher-native/cluster';
import { LocalBlobStore } from '../../blobs/blob-store.js';
import { loadConfig, type Config } from '../../config.js';
import { createExecution } from '../../execution.js';
import type { ImageStore } from '../../images/image-store.js';
import type { AppSpec } from '../../schemas/app-spec.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Context, Execution } from '../context.js';
import { TypeRegistry } from '../types-registry.js';
import { cancelJob } from './control.js';
import { submit } from './run.js';
import { aloneCoordination } from '../../store/coordination.js';

/**
 * A cancel that lands while a job is still `created` (before its submission
 * is recorded) must not leave the scheduler's job running with no job
 * tracking it. The submission below is the one that was in flight: it
 * carries the job as it was before the cancel. The "app" is a plain sleep,
 * so the schedulers are real but no image is needed.
 */
const APP = { id: 'test/withdrawn', version: '1.0.0' };
const SLEEP = ['/bin/sh', '-c', 'sleep 300', 'sleep'];

async function contextFor(home: string, execution: Config['execution']): Promise<{ ctx: Context; execution: Execution }> {
  const config = loadConfig({ home, execution });
  const made = (await createExecution(config))!;
  made.wrapper = SLEEP;
  const ctx: Context = {
    store: await openSqliteStore(join(home, 'narrative.sqlite')),
    types: new TypeRegistry(config.typesDir),
    blobs: await new LocalBlobStore(join(home, 'blobs')).init(),
    // Submitting never touches app images.
    images: null as unknown as ImageStore,
    limits: config.limits,
    now: () => new Date().toISOString(),
    execution: made,
    coordination: aloneCoordination(),
  };
  return { ctx, execution: made };
}

async function createdJob(ctx: Context): Promise<number> {
  const at = ctx.now();
  const user = await ctx.store.createUser({ name: 'alice', role: 'user', passwordHash: null, createdAt: at });
  const ws = await ctx.store.createWorkspace({ name: 'alice:withdrawn', ownerId: user.id, createdAt: at });
  const resources = { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 };
  const spec = { ...APP, name: 'Withdrawn', description: '', categories: [], inputs: [], params: { type: 'object', properties: {} }, outputs: [], resources, network: false, mpi: false, container: { image: { digest: `sha256:${'0'.repeat(64)}` } }, argv: ['/bin/true'] } as unknown as AppSpec;
  await ctx.store.registerApp({ ...APP, spec, channel: 'dev', registeredBy: user.id, registeredAt: at, deprecated: null });
  return ctx.store.createJob({ appId: APP.id, appVersion: APP.version, userId: user.id, wsid: ws.id, clientRequestId: null, params: {}, inputs: [], resources, scheduler: 'test', attempt: 1, retryOf: null, createdAt: at });
}

/** A well-formed job.json; nothing reads it, since the "wrapper" here only sleeps. */
function specOf(id: number): JobSpec {
  return {
    jobId: String(id), runtime: 'charliecloud', image: { digest: `sha256:${'0'.repeat(64)}`, format: 'directory', location: '/nonexistent' }, argv: ['/bin/true'],
    params: {}, inputs: [], env: {}, network: false, gpus: 0, mpi: false, cpus: 1, memoryMiB: 64, timeLimitSeconds: 300, runAs: null,
  };
}

async function cancelDuringSubmission(ctx: Context, execution: Execution): Promise<string> {
  const id = await createdJob(ctx);
  const inFlight = (await ctx.store.getJob(id))!;
  assert.equal(inFlight.state, 'created');
  assert.equal((await cancelJob(ctx, inFlight)).state, 'cancelled');
  await submit(ctx, execution, inFlight, specOf(id));

  assert.equal((await ctx.store.getJob(id))!.state, 'cancelled', 'the job stays cancelled');
  const events = (await ctx.store.jobEvents(id, 0)).map((e) => e.event as { type: string; state?: string; schedulerId?: string });
  assert.ok(!events.some((e) => e.state === 'queued'), 'a cancelled job is never recorded as queued');
  const withdrawn = events.find((e) => e.type === 'withdrawn');
  assert.ok(withdrawn?.schedulerId, `the scheduler job was withdrawn: ${JSON.stringify(events)}`);
  return withdrawn.schedulerId;
}

/** Waits (bounded) until the scheduler no longer runs or queues the job. */
async function assertStopped(execution: Execution, schedulerId: string): Promise<void> {
  let state = 'unseen';
  for (let i = 0; i < 150; i++) {
    state = (await execution.scheduler.status([schedulerId])).get(schedulerId)?.state ?? 'gone';
    if (state === 'cancelled' || state === 'gone') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`the scheduler's job ${schedulerId} is still ${state}`);
}

describe('a cancel while a job is created leaves nothing running', () => {
  const homes: string[] = [];
  const contexts: Context[] = [];
  const home = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'narrative-withdrawn-'));
    homes.push(dir);
    return dir;
  };
  let clusterDir: string | undefined;
  let cluster: ClusterInfo;

  before(async () => {
    clusterDir = await mkdtemp(join(tmpdir(), 'nslurm-'));
    cluster = await clusterUp({ dir: clusterDir });
  });
  after(async () => {
    for (const ctx of contexts) await ctx.store.close();
    if (clusterDir) {
      await clusterDown(clusterDir);
      await rm(clusterDir, { recursive: true, force: true });
    }
    for (const dir of homes) await rm(dir, { recursive: true, force: true });
  });

  it('on the local scheduler', async () => {
    const { ctx, execution } = await contextFor(await home(), { ...loadConfig().execution, scheduler: 'local' });
    contexts.push(ctx);
    await assertStopped(execution, await cancelDuringSubmission(ctx, execution));
  });

  it('on Slurm', async () => {
    const slurm = { conf: cluster.slurmConf, partition: cluster.partition, jobcompLog: cluster.jobcompLog };
    const { ctx, execution } = await contextFor(await home(), { ...loadConfig().execution, scheduler: 'slurm', slurm });
    contexts.push(ctx);
    await assertStopped(execution, await cancelDuringSubmission(ctx, execution));
  });
});
