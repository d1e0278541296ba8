import type { BlobStore } from '../blobs/blob-store.js';
import type { Store } from '../store/store.js';
import type { TypeRegistry } from './types-registry.js';

/** What domain functions work with. `store` may be a transaction. */
export interface Context {
  store: Store;
  types: TypeRegistry;
  blobs: BlobStore;
  limits: Limits;
  /** Current time as ISO 8601; replaceable in tests. */
  now: () => string;
}

export interface Limits {
  /** Largest JSON request body, in bytes. */
  jsonBytes: number;
  /** Largest uploaded file, in bytes. */
  blobBytes: number;
}

export function inTransaction<T>(ctx: Context, work: (ctx: Context) => Promise<T>): Promise<T> {
  return ctx.store.transaction((store) => work({ ...ctx, store }));
}
