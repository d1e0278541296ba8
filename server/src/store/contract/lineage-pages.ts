import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LineagePage, LineageQuery, Store, UserRecord, VersionKey, WorkspaceRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { owned, version } from './seed.js';

const ref = (k: VersionKey) => `${k.wsid}/${k.objid}/${k.ver}`;
const link = (l: LineagePage['links'][number]) => `${l.from}->${l.to}`;

function save(store: Store, ws: WorkspaceRecord, by: UserRecord, name: string, parents: VersionKey[] = []): Promise<VersionKey> {
  return store
    .insertVersion(version(ws, by, name, { parents: parents.map((p) => ({ ref: p, relation: 'input' as const })) }))
    .then(({ objid, ver }) => ({ wsid: ws.id, objid, ver }));
}

/** Every page of a walk, following `next`: the pages as they came. */
async function pages(store: Store, root: VersionKey, query: Omit<LineageQuery, 'after'>): Promise<LineagePage[]> {
  const all: LineagePage[] = [];
  let after: VersionKey | null = null;
  do {
    const page: LineagePage = await store.lineagePage(root, { ...query, ...(after ? { after } : {}) });
    all.push(page);
    after = page.next;
  } while (after);
  return all;
}

/** Lineage pages: the whole walk without a depth cap, each version and link once, page by page. */
export const lineagePagesContract: ContractPart = ({ fresh }) => {
  describe('lineage pages', () => {
    it('walks a chain longer than any depth, whole, page by page, each version and link once', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const chain = [await save(store, ws, owner, 'step-0')];
      await store.transaction(async (tx) => {
        for (let i = 1; i < 250; i++) chain.push(await save(tx, ws, owner, `step-${i}`, [chain[i - 1]!]));
      });
      const up = await pages(store, chain.at(-1)!, { direction: 'ancestors', limit: 40 });
      assert.equal(up.length, 7);
      assert.ok(up.slice(0, -1).every((p) => p.nodes.length === 40 && p.next !== null));
      assert.equal(up.at(-1)!.next, null);
      const nodes = up.flatMap((p) => p.nodes.map((n) => n.ref));
      assert.deepEqual(nodes, chain.map(ref), 'every version once, in (wsid, objid, ver) order');
      const links = up.flatMap((p) => p.links.map(link));
      assert.deepEqual(links.sort(), chain.slice(1).map((c, i) => `${ref(chain[i]!)}->${ref(c)}`).sort());
      const whole = await store.lineagePage(chain[0]!, { direction: 'descendants', limit: 1000 });
      assert.equal(whole.nodes.length, 250);
      assert.equal(whole.links.length, 249);
      assert.equal(whole.next, null);
      assert.deepEqual(whole.nodes[1], { ref: ref(chain[1]!), wsid: ws.id, name: 'step-1', type: 'Demo.Reads-1.0' });
    });

    it('reaches each version of a diamond once, by its shortest path when a depth is given', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const top = await save(store, ws, owner, 'top');
      const left = await save(store, ws, owner, 'left', [top]);
      const middle = await save(store, ws, owner, 'middle', [left]);
      const bottom = await save(store, ws, owner, 'bottom', [middle, top]);
      const walk = (depth?: number) => store.lineagePage(bottom, { direction: 'ancestors', limit: 100, ...(depth ? { depth } : {}) });
      const one = await walk(1);
      assert.deepEqual(one.nodes.map((n) => n.name), ['top', 'middle', 'bottom']);
      assert.deepEqual(one.links.map(link).sort(), [`${ref(middle)}->${ref(bottom)}`, `${ref(top)}->${ref(bottom)}`].sort());
      const two = await walk(2);
      assert.deepEqual(two.nodes.map((n) => n.name), ['top', 'left', 'middle', 'bottom']);
      assert.equal(two.links.length, 3, 'left->middle is walked from middle, one step up; nothing is walked from left, two steps up');
      const all = await walk();
      assert.equal(all.nodes.length, 4);
      assert.deepEqual(all.links.map(link).sort(), [`${ref(left)}->${ref(middle)}`, `${ref(middle)}->${ref(bottom)}`, `${ref(top)}->${ref(bottom)}`, `${ref(top)}->${ref(left)}`].sort());
    });

    it('pages both ways at once: the root once, its links up and down each once', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const a = await save(store, ws, owner, 'a');
      const b = await save(store, ws, owner, 'b');
      const root = await save(store, ws, owner, 'root', [a, b]);
      const c = await save(store, ws, owner, 'c', [root]);
      const d = await save(store, ws, owner, 'd', [root, a]);
      const expected = [`${ref(a)}->${ref(root)}`, `${ref(b)}->${ref(root)}`, `${ref(root)}->${ref(c)}`, `${ref(root)}->${ref(d)}`].sort();
      for (const limit of [1, 2, 3, 100]) {
        const got = await pages(store, root, { direction: 'both', limit });
        assert.deepEqual(got.flatMap((p) => p.nodes.map((n) => n.name)), ['a', 'b', 'root', 'c', 'd'], `pages of ${limit}`);
        assert.deepEqual(got.flatMap((p) => p.links.map(link)).sort(), expected, `pages of ${limit}`);
      }
      const descendants = await store.lineagePage(a, { direction: 'descendants', limit: 100 });
      assert.deepEqual(descendants.nodes.map((n) => n.name), ['a', 'root', 'c', 'd']);
      assert.equal(descendants.links.length, 4, 'a->root, a->d, root->c, root->d');
    });

    it('starts a page after the version given, and answers a root without links with the root alone', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const alone = await save(store, ws, owner, 'alone');
      assert.deepEqual(await store.lineagePage(alone, { direction: 'both', limit: 10 }), { nodes: [{ ref: ref(alone), wsid: ws.id, name: 'alone', type: 'Demo.Reads-1.0' }], links: [], next: null });
      assert.deepEqual(await store.lineagePage(alone, { direction: 'both', limit: 10, after: alone }), { nodes: [], links: [], next: null });
    });
  });
};
