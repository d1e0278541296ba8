import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractPart } from './harness.js';
import { at, user } from './seed.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** Offered kernel images: offered, withdrawn and offered again by digest; a row is never dropped. */
export const kernelImagesContract: ContractPart = ({ fresh, reopen }) => {
  describe('kernel images', () => {
    it('lists offers oldest first, keeps withdrawn ones, and offers a withdrawn one again under its new name', async () => {
      let store = await fresh();
      const admin = await user(store, 'root', 'admin');
      await store.offerKernelImage({ digest: digest('b'), name: 'Python', version: '2.0', offeredBy: admin.id, offeredAt: at(2) });
      await store.offerKernelImage({ digest: digest('a'), name: 'Python', version: '1.0', offeredBy: null, offeredAt: at(1) });
      assert.deepEqual((await store.listKernelImages()).map((k) => k.version), ['1.0', '2.0']);
      assert.equal(await store.withdrawKernelImage(digest('a'), at(3)), true);
      assert.equal(await store.withdrawKernelImage(digest('a'), at(4)), false, 'withdrawn already');
      assert.equal(await store.withdrawKernelImage(digest('c'), at(4)), false, 'never offered');
      store = await reopen(store);
      assert.deepEqual(await store.listKernelImages(), [
        { digest: digest('a'), name: 'Python', version: '1.0', offeredBy: null, offeredAt: at(1), withdrawnAt: at(3) },
        { digest: digest('b'), name: 'Python', version: '2.0', offeredBy: admin.id, offeredAt: at(2), withdrawnAt: null },
      ]);
      await store.offerKernelImage({ digest: digest('a'), name: 'Python again', version: '1.0.1', offeredBy: admin.id, offeredAt: at(5) });
      assert.deepEqual((await store.listKernelImages()).map((k) => [k.name, k.withdrawnAt]), [['Python', null], ['Python again', null]]);
    });
  });
};
