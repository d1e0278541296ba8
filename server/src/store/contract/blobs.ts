import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContractPart } from './harness.js';
import { at, hex, user } from './seed.js';

/** Blob records: which blobs are stored, their sizes, and who uploaded each. */
export const blobsContract: ContractPart = ({ fresh }) => {
  describe('blob records', () => {
    it('gives the sizes of the blobs a user uploaded, and of no others', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      await store.recordBlob({ sha256: hex('one'), size: 11, uploadedBy: alice.id, at: at(1) });
      await store.recordBlob({ sha256: hex('two'), size: 22, uploadedBy: bob.id, at: at(2) });
      assert.deepEqual(await store.uploadedBlobSizes(alice.id, [hex('one'), hex('two'), hex('never')]), new Map([[hex('one'), 11]]));
      assert.deepEqual(await store.uploadedBlobSizes(bob.id, [hex('one'), hex('two')]), new Map([[hex('two'), 22]]));
      assert.deepEqual(await store.uploadedBlobSizes(alice.id, []), new Map());
    });

    it('records a second upload of the same blob, by the same user or another, without error', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const bob = await user(store, 'bob');
      await store.recordBlob({ sha256: hex('one'), size: 11, uploadedBy: alice.id, at: at(1) });
      await store.recordBlob({ sha256: hex('one'), size: 11, uploadedBy: alice.id, at: at(2) });
      assert.deepEqual(await store.uploadedBlobSizes(bob.id, [hex('one')]), new Map());
      await store.recordBlob({ sha256: hex('one'), size: 11, uploadedBy: bob.id, at: at(3) });
      assert.deepEqual(await store.uploadedBlobSizes(bob.id, [hex('one')]), new Map([[hex('one'), 11]]));
      assert.deepEqual(await store.uploadedBlobSizes(alice.id, [hex('one')]), new Map([[hex('one'), 11]]));
    });

    it('keeps sizes past 32 bits (a 4 GiB upload is allowed) exactly', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const big = 2 ** 32 + 7;
      await store.recordBlob({ sha256: hex('big'), size: big, uploadedBy: alice.id, at: at(1) });
      assert.deepEqual(await store.uploadedBlobSizes(alice.id, [hex('big')]), new Map([[hex('big'), big]]));
    });

    it('answers for many blobs at once', async () => {
      const store = await fresh();
      const alice = await user(store, 'alice');
      const shas = Array.from({ length: 200 }, (_, i) => hex(`blob-${i}`));
      for (const [i, sha256] of shas.entries()) if (i % 2 === 0) await store.recordBlob({ sha256, size: i, uploadedBy: alice.id, at: at(i) });
      const sizes = await store.uploadedBlobSizes(alice.id, shas);
      assert.equal(sizes.size, 100);
      assert.equal(sizes.get(hex('blob-42')), 42);
      assert.equal(sizes.has(hex('blob-43')), false);
    });
  });
};
