import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeResult, type JobResult, type Scheduler } from '@narrative/launcher-native';
import { LocalBlobStore } from '../../blobs/blob-store.js';
import { loadConfig } from '../../config.js';
import type { ImageStore } from '../../images/image-store.js';
import type { AppSpec } from '../../schemas/app-spec.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Context, Execution } from '../context.js';
import { TypeRegistry } from '../types-registry.js';
import { aloneCoordination } from '../../store/coordination.js';

/**
 * For the outputs-once tests: a data directory holding finished jobs (each
 * with its result.json and an output file, as a wrapper leaves them), and
 * contexts on it each with their own database connection, as two server
 * processes would have. No server runs, so no lock is taken.
 */

const APP = { id: 'test/race', version: '1.0.0' };

/** A scheduler that has seen every job end: the jobs are finished from their result.json. */
const finished: Scheduler = {
  name: 'local',
  holdsDependants: true,
  submit: () => Promise.reject(new Error('submits nothing')),
  status: async (ids) => new Map(ids.map((id) => [id, { state: 'completed' as const, node: 'node1' }])),
  cancel: async () => undefined,
  ping: async () => undefined,
};

/** A context on a new connection to the database of `home`; blobs must have been set up (prepareHome). */
export async function contextOn(home: string): Promise<{ ctx: Context; execution: Execution }> {
  const config = loadConfig({ home });
  const execution: Execution = { scheduler: finished, runtime: 'charliecloud', jobsDir: join(home, 'jobs'), runAs: null, accounts: new Map(), wrapper: [] };
  const ctx: Context = {
    store: await openSqliteStore(join(home, 'narrative.sqlite')),
    types: new TypeRegistry(config.typesDir),
    // Not init(): that clears blobs/tmp, where the other context may be writing.
    blobs: new LocalBlobStore(join(home, 'blobs')),
    // Ingesting outputs never touches app images.
    images: null as unknown as ImageStore,
    limits: config.limits,
    now: () => new Date().toISOString(),
    execution,
    coordination: aloneCoordination(),
  };
  return { ctx, execution };
}

/** Creates the database, a user, a workspace, the app and `count` queued jobs whose wrappers have finished; returns their ids. */
export async function prepareHome(home: string, count: number): Promise<number[]> {
  await new LocalBlobStore(join(home, 'blobs')).init();
  const { ctx } = await contextOn(home);
  const { store } = ctx;
  const at = ctx.now();
  try {
    const user = await store.createUser({ name: 'alice', role: 'user', passwordHash: null, createdAt: at });
    const ws = await store.createWorkspace({ name: 'alice:race', ownerId: user.id, createdAt: at });
    const spec = {
      ...APP, name: 'Race', description: 'finishes with one report', categories: [], inputs: [], params: { type: 'object', properties: {} },
      outputs: [{ name: 'stats', type: 'Report.Report-1.0', description: '' }],
      resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 }, network: false, mpi: false,
      container: { image: { digest: `sha256:${'0'.repeat(64)}` } }, argv: ['/bin/true'],
    } as unknown as AppSpec;
    await store.registerApp({ ...APP, spec, channel: 'dev', registeredBy: user.id, registeredAt: at, deprecated: null });
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = await store.createJob({
        appId: APP.id, appVersion: APP.version, userId: user.id, wsid: ws.id, clientRequestId: null, params: {}, inputs: [],
        resources: spec.resources, scheduler: 'local', attempt: 1, retryOf: null, createdAt: at,
      });
      await store.updateJob(id, 'created', { state: 'queued', schedulerId: String(id), queueReason: null, queuePosition: null });
      await writeFinishedJob(join(home, 'jobs', String(id)), id, at);
      ids.push(id);
    }
    return ids;
  } finally {
    await store.close();
  }
}

async function writeFinishedJob(dir: string, id: number, at: string): Promise<void> {
  const content = `job ${id}\n`;
  await mkdir(join(dir, 'out'), { recursive: true });
  await writeFile(join(dir, 'out', 'lines.txt'), content);
  const result: JobResult = {
    jobId: String(id), outcome: 'exited', exitCode: 0, signal: null, detail: null, startedAt: at, endedAt: at, node: 'node1',
    runtime: { name: 'charliecloud', version: 'test' }, injections: [],
    outputs: [{ path: 'lines.txt', sha256: createHash('sha256').update(content).digest('hex'), size: Buffer.byteLength(content) }],
    // Every other job's output has no file: its save then begins by reading, not writing (see database.ts).
    declared: { outputs: [{ name: 'stats', data: { title: `job ${id}` }, files: id % 2 === 0 ? [] : ['lines.txt'] }] },
  };
  await writeResult(dir, result);
}
