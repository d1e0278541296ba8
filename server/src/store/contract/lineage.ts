import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LineagePage, LinkRelation, Store, UserRecord, VersionKey, WorkspaceRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { owned, workspace, version } from './seed.js';

function save(store: Store, ws: WorkspaceRecord, by: UserRecord, name: string, parents: [VersionKey, LinkRelation][] = []): Promise<VersionKey> {
  return store
    .insertVersion(version(ws, by, name, { parents: parents.map(([ref, relation]) => ({ ref, relation })) }))
    .then(({ objid, ver }) => ({ wsid: ws.id, objid, ver }));
}

/**
 * The links walked from `root` to `depth`, as `parent->child:relation` text, sorted: the contract fixes which
 * links, not their order. Pages of two versions, so a walk of more than two crosses a page's end.
 */
async function links(store: Store, root: VersionKey, direction: 'ancestors' | 'descendants', depth: number): Promise<string[]> {
  const found: string[] = [];
  let after: VersionKey | null = null;
  do {
    const page: LineagePage = await store.lineagePage(root, { direction, depth, limit: 2, ...(after ? { after } : {}) });
    for (const l of page.links) found.push(`${l.from}->${l.to}:${l.relation}`);
    after = page.next;
  } while (after);
  return found.sort();
}

/** Lineage: the links a version was saved with, walked up or down to a depth, each link once (whole walks: lineage-pages). */
export const lineageContract: ContractPart = ({ fresh }) => {
  describe('lineage', () => {
    it('records the parents a version was saved with, with their relation', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const reads = await save(store, ws, owner, 'reads');
      const contigs = await save(store, ws, owner, 'contigs');
      const assembly = await save(store, ws, owner, 'assembly', [[reads, 'input'], [contigs, 'copy']]);
      assert.deepEqual(await links(store, assembly, 'ancestors', 1), [`${ws.id}/1/1->${ws.id}/3/1:input`, `${ws.id}/2/1->${ws.id}/3/1:copy`]);
      assert.deepEqual(await links(store, reads, 'descendants', 1), [`${ws.id}/1/1->${ws.id}/3/1:input`]);
      assert.deepEqual(await links(store, reads, 'ancestors', 5), []);
    });

    it('walks a chain only as deep as asked', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const a = await save(store, ws, owner, 'a');
      const b = await save(store, ws, owner, 'b', [[a, 'input']]);
      const c = await save(store, ws, owner, 'c', [[b, 'input']]);
      const d = await save(store, ws, owner, 'd', [[c, 'input']]);
      const ab = `${ws.id}/1/1->${ws.id}/2/1:input`;
      const bc = `${ws.id}/2/1->${ws.id}/3/1:input`;
      const cd = `${ws.id}/3/1->${ws.id}/4/1:input`;
      assert.deepEqual(await links(store, d, 'ancestors', 0), []);
      assert.deepEqual(await links(store, d, 'ancestors', 1), [cd]);
      assert.deepEqual(await links(store, d, 'ancestors', 2), [bc, cd]);
      assert.deepEqual(await links(store, d, 'ancestors', 10), [ab, bc, cd]);
      assert.deepEqual(await links(store, a, 'descendants', 2), [ab, bc]);
      assert.deepEqual(await links(store, b, 'descendants', 10), [bc, cd]);
    });

    it('gives each link once where paths meet (a diamond)', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const top = await save(store, ws, owner, 'top');
      const left = await save(store, ws, owner, 'left', [[top, 'input']]);
      const right = await save(store, ws, owner, 'right', [[top, 'input']]);
      const bottom = await save(store, ws, owner, 'bottom', [[left, 'input'], [right, 'input']]);
      assert.equal((await links(store, bottom, 'ancestors', 10)).length, 4);
      assert.equal((await links(store, top, 'descendants', 10)).length, 4);
      assert.equal(new Set(await links(store, top, 'descendants', 10)).size, 4);
    });

    it('links versions, not objects: a later version of a parent has no descendants of the earlier one', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const v1 = await save(store, ws, owner, 'reads');
      const v2 = await save(store, ws, owner, 'reads', [[v1, 'revert']]);
      const child = await save(store, ws, owner, 'assembly', [[v1, 'input']]);
      assert.deepEqual(v2, { wsid: ws.id, objid: 1, ver: 2 });
      assert.deepEqual(await links(store, v1, 'descendants', 1), [`${ws.id}/1/1->${ws.id}/1/2:revert`, `${ws.id}/1/1->${ws.id}/${child.objid}/1:input`]);
      assert.deepEqual(await links(store, v2, 'descendants', 5), []);
    });

    it('follows links across workspaces', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const other = await workspace(store, owner, 'other');
      const source = await save(store, ws, owner, 'reads');
      const copy = await save(store, other, owner, 'reads', [[source, 'copy']]);
      const expected = [`${ws.id}/1/1->${other.id}/1/1:copy`];
      assert.deepEqual(await links(store, copy, 'ancestors', 1), expected);
      assert.deepEqual(await links(store, source, 'descendants', 1), expected);
    });

    it('keeps one link when a parent is given twice', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const reads = await save(store, ws, owner, 'reads');
      const child = await save(store, ws, owner, 'child', [[reads, 'input'], [reads, 'input']]);
      assert.equal((await links(store, child, 'ancestors', 1)).length, 1);
    });

    it('refuses a parent that does not exist, saving nothing', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await assert.rejects(save(store, ws, owner, 'orphan', [[{ wsid: ws.id, objid: 99, ver: 1 }, 'input']]));
      assert.equal(await store.findObjectByName(ws.id, 'orphan'), undefined);
    });
  });
};
