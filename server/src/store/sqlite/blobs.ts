import type { Store } from '../store.js';
import type { Db } from './db.js';

type BlobQueries = Pick<Store, 'hasBlob' | 'recordBlob' | 'blobSizes'>;

/** Which content-addressed blobs are stored (the bytes live in the blob store). */
export function blobQueries(db: Db): BlobQueries {
  return {
    async hasBlob(sha256: string) {
      return (await db.selectFrom('blobs').select('sha256').where('sha256', '=', sha256).executeTakeFirst()) !== undefined;
    },

    async recordBlob(sha256: string, size: number, at: string) {
      await db.insertInto('blobs').values({ sha256, size, created_at: at }).onConflict((oc) => oc.doNothing()).execute();
    },

    async blobSizes(sha256s: string[]) {
      if (sha256s.length === 0) return new Map<string, number>();
      const rows = await db.selectFrom('blobs').select(['sha256', 'size']).where('sha256', 'in', sha256s).execute();
      return new Map(rows.map((r) => [r.sha256, r.size]));
    },
  };
}
