import type { Role } from '../../schemas/common.js';
import type { Provenance } from '../../schemas/provenance.js';
import type { AppRecord, NewVersion, Store, UserRecord, WorkspaceRecord } from '../store.js';
import type { NewJob } from '../../domain/jobs/job.js';

/**
 * Small fixtures shared by the contract parts: just enough valid rows to
 * exercise a method. Times are fixed ISO strings so nothing depends on a clock.
 */

/** `n` seconds after a fixed instant, as ISO 8601 (stores compare these as text). */
export function at(n: number): string {
  return new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString();
}

export function user(store: Store, name = 'alice', role: Role = 'user'): Promise<UserRecord> {
  return store.createUser({ name, role, passwordHash: null, createdAt: at(0) });
}

export function workspace(store: Store, owner: UserRecord, name = `${owner.name}-ws`): Promise<WorkspaceRecord> {
  return store.createWorkspace({ name, ownerId: owner.id, createdAt: at(0) });
}

/** A user and a workspace they own: what most parts start from. */
export async function owned(store: Store, name = 'alice'): Promise<{ owner: UserRecord; ws: WorkspaceRecord }> {
  const owner = await user(store, name);
  return { owner, ws: await workspace(store, owner) };
}

export function provenance(by: UserRecord, kind: Provenance['kind'] = 'save'): Provenance {
  return { kind, user: by.name, at: at(0), inputs: [] };
}

export function version(ws: WorkspaceRecord, by: UserRecord, name: string, more: Partial<NewVersion> = {}): NewVersion {
  return {
    wsid: ws.id,
    name,
    type: 'Demo.Reads-1.0',
    data: { name },
    size: 10,
    savedBy: by.id,
    savedAt: at(1),
    provenance: provenance(by),
    copiedFrom: null,
    files: [],
    parents: [],
    ...more,
  };
}

export function app(by: UserRecord, id = 'demo/echo', appVersion = '1.0.0', more: Partial<AppRecord> = {}): AppRecord {
  return {
    id,
    version: appVersion,
    spec: {
      id,
      version: appVersion,
      name: 'Echo',
      description: 'Says back what it gets.',
      categories: ['demo'],
      inputs: [{ name: 'reads', types: ['Demo.Reads-1.0'], required: true, description: '' }],
      params: { type: 'object', properties: { words: { type: 'string' } } },
      outputs: [{ name: 'echo', type: 'Demo.Reads-1.0', description: '' }],
      resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 },
      network: false,
      mpi: false,
      container: { image: { digest: `sha256:${'a'.repeat(64)}` } },
      argv: ['/app/echo'],
    },
    channel: 'dev',
    registeredBy: by.id,
    registeredAt: at(0),
    deprecated: null,
    ...more,
  };
}

export function job(by: UserRecord, ws: WorkspaceRecord, registered: AppRecord, more: Partial<NewJob> = {}): NewJob {
  return {
    appId: registered.id,
    appVersion: registered.version,
    userId: by.id,
    wsid: ws.id,
    clientRequestId: null,
    params: { words: 'hello' },
    inputs: [{ name: 'reads', given: `${ws.name}/reads`, resolved: `${ws.id}/1/1` }],
    resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 },
    scheduler: 'local',
    attempt: 1,
    retryOf: null,
    createdAt: at(2),
    ...more,
  };
}

/** A user, their workspace, a registered app and one job of it: where the job parts start. */
export async function jobSetup(store: Store): Promise<{ owner: UserRecord; ws: WorkspaceRecord; registered: AppRecord; id: number; given: NewJob }> {
  const { owner, ws } = await owned(store);
  const registered = app(owner);
  await store.registerApp(registered);
  const given = job(owner, ws, registered);
  return { owner, ws, registered, id: await store.createJob(given), given };
}

/** A sha256-like hex string from a short label, for blob and token fixtures. */
export function hex(label: string): string {
  return Buffer.from(label).toString('hex').padEnd(64, '0').slice(0, 64);
}

/** The index range 0..n-1, for building n concurrent calls. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
