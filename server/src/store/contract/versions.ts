import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StaleVersionError } from '../store.js';
import type { ContractPart } from './harness.js';
import { owned, range, version } from './seed.js';

/** How many saves race in the concurrency tests: enough to interleave on any store, few enough to stay quick. */
const RACERS = 40;

function isStale(expected: number, actual: number) {
  return (error: unknown) => error instanceof StaleVersionError && error.expected === expected && error.actual === actual;
}

/** Version numbers: latest+1, checked against `expectVersion`, gap-free and unique however many saves race. */
export const versionsContract: ContractPart = ({ fresh }) => {
  describe('versions: expectVersion', () => {
    it('saves when expectVersion is the latest version (0 for a new name)', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      assert.deepEqual(await store.insertVersion(version(ws, owner, 'reads', { expectVersion: 0 })), { objid: 1, ver: 1 });
      assert.deepEqual(await store.insertVersion(version(ws, owner, 'reads', { expectVersion: 1 })), { objid: 1, ver: 2 });
    });

    it('refuses a stale expectVersion with StaleVersionError(expected, actual) and saves nothing', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'reads'));
      await store.insertVersion(version(ws, owner, 'reads'));
      await assert.rejects(store.insertVersion(version(ws, owner, 'reads', { expectVersion: 1, data: { lost: true } })), isStale(1, 2));
      await assert.rejects(store.insertVersion(version(ws, owner, 'reads', { expectVersion: 3 })), isStale(3, 2));
      assert.deepEqual((await store.history({ wsid: ws.id, objid: 1 })).map((v) => v.ver), [1, 2]);
      assert.equal((await store.getObjectHead({ wsid: ws.id, objid: 1 }))?.latestVer, 2);
    });

    it('refuses expectVersion above 0 for a name that is new, creating no object', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await assert.rejects(store.insertVersion(version(ws, owner, 'fresh', { expectVersion: 1 })), isStale(1, 0));
      assert.equal(await store.findObjectByName(ws.id, 'fresh'), undefined);
    });
  });

  describe('versions under concurrency', () => {
    it(`${RACERS} concurrent saves of one new name make one object with versions 1..${RACERS}, no gap, no duplicate`, async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const saved = await Promise.all(range(RACERS).map((i) => store.insertVersion(version(ws, owner, 'hot', { data: { i } }))));
      assert.deepEqual(new Set(saved.map((s) => s.objid)), new Set([1]));
      assert.deepEqual(saved.map((s) => s.ver).sort((a, b) => a - b), range(RACERS).map((i) => i + 1));
      const history = await store.history({ wsid: ws.id, objid: 1 });
      assert.deepEqual(history.map((v) => v.ver), range(RACERS).map((i) => i + 1));
      // Each save's answer names the version holding its own data.
      for (const [i, s] of saved.entries()) assert.deepEqual(history[s.ver - 1]?.data, { i });
      assert.equal((await store.getObjectHead({ wsid: ws.id, objid: 1 }))?.latestVer, RACERS);
    });

    it(`${RACERS} concurrent saves of new names in one workspace get object ids 1..${RACERS}`, async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const saved = await Promise.all(range(RACERS).map((i) => store.insertVersion(version(ws, owner, `object-${i}`))));
      assert.deepEqual(saved.map((s) => s.objid).sort((a, b) => a - b), range(RACERS).map((i) => i + 1));
      assert.ok(saved.every((s) => s.ver === 1));
      for (const [i, s] of saved.entries()) assert.equal((await store.getObjectHead({ wsid: ws.id, objid: s.objid }))?.name, `object-${i}`);
    });

    it('of concurrent saves that all expect the same latest version, exactly one wins; the rest are stale', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      await store.insertVersion(version(ws, owner, 'doc'));
      const outcomes = await Promise.allSettled(range(RACERS).map((i) => store.insertVersion(version(ws, owner, 'doc', { expectVersion: 1, data: { i } }))));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(won.length, 1);
      assert.deepEqual(won[0]?.value, { objid: 1, ver: 2 });
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(isStale(1, 2)(o.reason), String(o.reason));
      assert.deepEqual((await store.history({ wsid: ws.id, objid: 1 })).map((v) => v.ver), [1, 2]);
    });

    it('of concurrent first saves that expect no object yet, exactly one creates it', async () => {
      const store = await fresh();
      const { owner, ws } = await owned(store);
      const outcomes = await Promise.allSettled(range(RACERS).map(() => store.insertVersion(version(ws, owner, 'new', { expectVersion: 0 }))));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(isStale(0, 1)(o.reason), String(o.reason));
      assert.equal((await store.listObjects(ws.id, { limit: 10, offset: 0 })).total, 1);
    });
  });
};
