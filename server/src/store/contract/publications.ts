import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewPublication, PublicationEntry, Store } from '../store.js';
import type { ContractPart } from './harness.js';
import { at, hex, owned, range, version, workspace } from './seed.js';

const ENTRIES: PublicationEntry[] = [
  { path: 'ro-crate-metadata.json', kind: 'blob', sha256: hex('metadata'), size: 120 },
  { path: 'objects/1/2/1/files/reads.fastq', kind: 'blob', sha256: hex('reads'), size: 5_000_000 },
  { path: `images/sha256/${hex('image')}.oci.tar`, kind: 'image', digest: `sha256:${hex('image')}`, sha256: hex('image archive'), size: 9_000 },
];

/** A narrative of alice's and a publication of its notebook version `ver`, not yet recorded. */
async function setup(store: Store) {
  const { owner, ws } = await owned(store);
  const { objid } = await store.insertVersion(version(ws, owner, 'narrative', { type: 'Narrative.Narrative-1.0' }));
  const narrativeId = await store.createNarrative({ wsid: ws.id, objid, title: 'Assembly', createdAt: at(1), copiedFrom: null });
  const publication = (ver: number, more: Partial<NewPublication> = {}): NewPublication => ({
    contentId: `sha256:${hex(`manifest ${ver}`)}`, narrativeId, wsid: ws.id, workspaces: [ws.id], narrativeVersion: ver, title: 'Assembly',
    publishedBy: owner.id, publishedAt: at(10 + ver), size: 5_010_240, entries: ENTRIES, ...more,
  });
  return { owner, ws, narrativeId, publication };
}

/** Publications: one per narrative version, recorded whole with their files in order, never changed. */
export const publicationsContract: ContractPart = ({ fresh, reopen }) => {
  describe('publications', () => {
    it('keeps a publication, found by content id and by narrative version, its publisher named and its files in order', async () => {
      const store = await fresh();
      const { owner, ws, narrativeId, publication } = await setup(store);
      const other = await workspace(store, owner, 'inputs');
      const { publication: made, created } = await store.createPublication(publication(1, { workspaces: [ws.id, other.id] }));
      const expected = {
        contentId: `sha256:${hex('manifest 1')}`, narrativeId, wsid: ws.id, workspaces: [ws.id, other.id], narrativeVersion: 1, title: 'Assembly',
        publishedBy: 'alice', publishedAt: at(11), size: 5_010_240,
      };
      assert.equal(created, true);
      assert.deepEqual(made, expected);
      assert.deepEqual(await store.getPublication(expected.contentId), expected);
      assert.deepEqual(await store.findPublication(narrativeId, 1), expected);
      assert.deepEqual(await store.publicationEntries(expected.contentId), ENTRIES);
      assert.equal(await store.getPublication(`sha256:${hex('nothing')}`), undefined);
      assert.equal(await store.findPublication(narrativeId, 2), undefined);
      assert.deepEqual(await store.publicationEntries(`sha256:${hex('nothing')}`), []);
    });

    it('publishes a narrative version once: a second publication of it, or of the same content id, hands back the first and records nothing', async () => {
      const store = await fresh();
      const { publication } = await setup(store);
      const first = (await store.createPublication(publication(1))).publication;
      const again = await store.createPublication(publication(1, { contentId: `sha256:${hex('other bytes')}`, entries: ENTRIES.slice(0, 1), publishedAt: at(50) }));
      assert.deepEqual(again, { publication: first, created: false });
      assert.equal(await store.getPublication(`sha256:${hex('other bytes')}`), undefined);
      const sameBytes = await store.createPublication(publication(2, { contentId: first.contentId }));
      assert.deepEqual(sameBytes, { publication: first, created: false });
      assert.deepEqual(await store.publicationEntries(first.contentId), ENTRIES);
    });

    it('hands the loser of a race the winner, and its transaction goes on', async () => {
      const store = await fresh();
      const { publication } = await setup(store);
      const racing = await Promise.all([1, 2, 3, 4].map((n) => store.createPublication(publication(1, { contentId: `sha256:${hex(`racer ${n}`)}` }))));
      const winners = racing.filter((r) => r.created);
      assert.equal(winners.length, 1);
      for (const r of racing) assert.deepEqual(r.publication, winners[0]!.publication);
      // A second publication of the version, then a new one, in one transaction: the refused insert undoes only itself.
      const [again, next] = await store.transaction(async (tx) => [await tx.createPublication(publication(1)), await tx.createPublication(publication(2))]);
      assert.deepEqual([again.created, again.publication.contentId, next.created], [false, winners[0]!.publication.contentId, true]);
      assert.deepEqual((await store.listPublications(next.publication.narrativeId)).map((p) => p.narrativeVersion), [2, 1]);
      assert.deepEqual(await store.publicationEntries(publication(1).contentId), [], 'the loser recorded no files');
    });

    it("lists a narrative's publications newest first, and no other narrative's", async () => {
      const store = await fresh();
      const { owner, narrativeId, publication } = await setup(store);
      for (const ver of [1, 3, 2]) await store.createPublication(publication(ver));
      const otherWs = await workspace(store, owner, 'other');
      const { objid } = await store.insertVersion(version(otherWs, owner, 'narrative'));
      const other = await store.createNarrative({ wsid: otherWs.id, objid, title: 'Other', createdAt: at(1), copiedFrom: null });
      await store.createPublication(publication(9, { narrativeId: other, contentId: `sha256:${hex('other narrative')}` }));
      assert.deepEqual((await store.listPublications(narrativeId)).map((p) => p.narrativeVersion), [3, 2, 1]);
      assert.deepEqual((await store.listPublications(other)).map((p) => p.narrativeVersion), [9]);
      assert.deepEqual(await store.listPublications(other + 1000), []);
    });

    it('records thousands of files in their order', async () => {
      const store = await fresh();
      const { publication } = await setup(store);
      const many: PublicationEntry[] = range(2_345).map((i) => ({ path: `objects/1/${i}/1/data.json`, kind: 'blob', sha256: hex(`file ${i}`), size: i }));
      const { publication: made } = await store.createPublication(publication(1, { entries: many }));
      assert.deepEqual(await store.publicationEntries(made.contentId), many);
    });

    it('records nothing of a publication whose transaction fails, and keeps one that committed across a restart', async () => {
      const store = await fresh();
      const { narrativeId, publication } = await setup(store);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.createPublication(publication(1));
          throw new Error('halfway');
        }),
        /halfway/,
      );
      assert.equal(await store.findPublication(narrativeId, 1), undefined);
      assert.deepEqual(await store.publicationEntries(publication(1).contentId), []);
      await store.createPublication(publication(2));
      const again = await reopen(store);
      assert.equal((await again.findPublication(narrativeId, 2))?.contentId, publication(2).contentId);
      assert.deepEqual(await again.publicationEntries(publication(2).contentId), ENTRIES);
    });
  });
};
