import type { KernelImageRecord, Store } from '../store.js';
import type { Db } from './db.js';
import type { Tables } from './tables.js';

type KernelImageQueries = Pick<Store, 'offerKernelImage' | 'listKernelImages' | 'withdrawKernelImage'>;

/** Offered kernel images: one row per digest, never deleted, so a withdrawn image stays known to the narratives pinned to it. */
export function kernelImageQueries(db: Db): KernelImageQueries {
  return {
    async offerKernelImage(image) {
      const row = { digest: image.digest, name: image.name, version: image.version, offered_by: image.offeredBy, offered_at: image.offeredAt, withdrawn_at: null };
      await db
        .insertInto('kernel_images')
        .values(row)
        .onConflict((oc) => oc.column('digest').doUpdateSet({ name: row.name, version: row.version, offered_by: row.offered_by, offered_at: row.offered_at, withdrawn_at: null }))
        .execute();
    },
    async listKernelImages() {
      return (await db.selectFrom('kernel_images').selectAll().orderBy('offered_at').orderBy('digest').execute()).map(toKernelImage);
    },
    async withdrawKernelImage(digest, at) {
      const result = await db.updateTable('kernel_images').set({ withdrawn_at: at }).where('digest', '=', digest).where('withdrawn_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

function toKernelImage(r: Tables['kernel_images']): KernelImageRecord {
  return { digest: r.digest, name: r.name, version: r.version, offeredBy: r.offered_by, offeredAt: r.offered_at, withdrawnAt: r.withdrawn_at };
}
