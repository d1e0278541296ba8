import type { Store } from '../store.js';
import type { Db } from './db.js';

type BlobQueries = Pick<Store, 'recordBlob' | 'uploadedBlobSizes'>;

/** Which content-addressed blobs are stored, and who uploaded each (the bytes live in the blob store). */
export function blobQueries(db: Db): BlobQueries {
  return {
    async recordBlob(blob) {
      await db.insertInto('blobs').values({ sha256: blob.sha256, size: blob.size, created_at: blob.at }).onConflict((oc) => oc.doNothing()).execute();
      await db
        .insertInto('blob_uploads')
        .values({ sha256: blob.sha256, user_id: blob.uploadedBy, uploaded_at: blob.at })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },

    async uploadedBlobSizes(userId, sha256s) {
      if (sha256s.length === 0) return new Map<string, number>();
      const rows = await db
        .selectFrom('blobs')
        .innerJoin('blob_uploads', 'blob_uploads.sha256', 'blobs.sha256')
        .select(['blobs.sha256', 'blobs.size'])
        .where('blob_uploads.user_id', '=', userId)
        .where('blobs.sha256', 'in', sha256s)
        .execute();
      return new Map(rows.map((r) => [r.sha256, r.size]));
    },
  };
}
