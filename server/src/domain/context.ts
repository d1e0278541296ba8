import type { Limits } from '../limits.js';
import type { Runtime, Scheduler } from '@narrative/launcher-native';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ImageStore } from '../images/image-store.js';
import type { Coordination } from '../store/coordination.js';
import type { Store } from '../store/store.js';
import type { TypeRegistry } from './types-registry.js';

/** What domain functions work with. `store` may be a transaction. */
export interface Context {
  store: Store;
  types: TypeRegistry;
  blobs: BlobStore;
  /** App images by digest, in each form a runtime runs. */
  images: ImageStore;
  limits: Limits;
  /** Current time as ISO 8601; replaceable in tests. */
  now: () => string;
  /** How apps run; null where this server runs none. */
  execution: Execution | null;
  /** Agreement with the other servers on the store: who reconciles, and job change wake-ups. */
  coordination: Coordination;
}

export interface Account {
  uid: number;
  gid: number;
  user: string;
}

export interface Execution {
  scheduler: Scheduler;
  runtime: Runtime['name'];
  /** One directory per job, reachable from the nodes (a shared file system on a cluster). */
  jobsDir: string;
  /** The unprivileged account apps run as when the wrapper runs as root. */
  runAs: Account | null;
  /** Platform users mapped by the operator to their own accounts (on an HPC system, their cluster accounts). */
  accounts: Map<string, Account>;
  /** argv that starts the job wrapper; the job directory is appended. */
  wrapper: string[];
}

export type { Limits } from '../limits.js';

export function inTransaction<T>(ctx: Context, work: (ctx: Context) => Promise<T>): Promise<T> {
  return ctx.store.transaction((store) => work({ ...ctx, store }));
}
