import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, type NarrativeClient, type ObjectInfo } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';

const REPORT = 'Report.Report-1.0';

describe('object saves and list pages', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let wsid: number;

  before(async () => {
    h = await startHarness(['alice']);
    alice = h.users.alice!.client;
    wsid = (await alice.createWorkspace('alice-pages')).id;
  });
  after(() => h.stop());

  const listed = async (ref: string): Promise<ObjectInfo> => {
    const history = await alice.history(ref);
    return history.find((v) => v.ref === ref) ?? assert.fail(`${ref} is not in its history`);
  };

  it('answers a save with the info a read of that version gives', async () => {
    const blob = await alice.uploadBlob('ACGT');
    const first = await alice.saveObject(wsid, { name: 'notes', type: REPORT, data: { title: 'one' } });
    assert.deepEqual(first, await listed(first.ref));
    const withFile = await alice.saveObject(wsid, { name: 'assembly', type: 'Genomics.Assembly-1.0', data: { contigCount: 1, totalLength: 4 }, files: [{ name: 'c.fasta', sha256: blob.sha256 }] });
    assert.deepEqual(withFile, await listed(withFile.ref));
    await alice.setHidden(first.ref, true);
    const again = await alice.saveObject(wsid, { name: 'notes', type: REPORT, data: { title: 'two' }, expectVersion: 1 });
    assert.equal(again.hidden, false, 'a new version brings its object back into view');
    assert.deepEqual(again, await listed(again.ref));
  });

  it('walks a workspace by cursor, each object once, without a count; by offset it still counts', async () => {
    const ws = (await alice.createWorkspace('alice-many')).id;
    for (let i = 0; i < 7; i++) await alice.saveObject(ws, { name: `o${i}`, type: REPORT, data: { title: String(i) } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await alice.listObjects(ws, { limit: 3, ...(cursor ? { cursor } : {}) });
      if (cursor) assert.equal(page.total, undefined);
      seen.push(...page.items.map((o) => o.name));
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(seen, ['o0', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
    const byOffset = await alice.listObjects(ws, { limit: 3, offset: 6 });
    assert.deepEqual([byOffset.items.map((o) => o.name), byOffset.total, byOffset.next], [['o6'], 7, null]);
    assert.equal((await alice.listObjects(ws, { limit: 7 })).next, null, 'a page that holds the rest is the last');
  });

  it('refuses a cursor with an offset, and a cursor that is not an objid', async () => {
    for (const query of [{ cursor: '2', offset: 1 }, { cursor: '2/1' }, { cursor: '-1' }]) {
      await assert.rejects(alice.listObjects(wsid, query), (error: unknown) => error instanceof ApiError && error.status === 400, JSON.stringify(query));
    }
  });
});
