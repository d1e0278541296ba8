import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ApiError, type MyObject, type MyObjectsQuery, type Narrative, type NarrativeClient } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';

/** Reads of 10, 3 and 20 bases: 3 reads, 33 bases. */
const FASTQ = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nACG\n+\nIII\n@r3\nACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIII\n';
const FASTQ_SUMMARY = { kind: 'reads', format: 'fastq', readCount: 3, totalBases: 33, minLength: 3, maxLength: 20, meanLength: 11 };

function form(name: string, type: string, files: [filename: string, bytes: string | Uint8Array][]): FormData {
  const body = new FormData();
  body.set('name', name);
  body.set('type', type);
  for (const [filename, bytes] of files) body.append('file', new Blob([bytes]), filename);
  return body;
}

/** Every page of My data, following `next`. */
async function allMine(client: NarrativeClient, query: MyObjectsQuery = {}): Promise<MyObject[]> {
  const items: MyObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.myObjects({ ...query, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return items;
}

const listed = (items: MyObject[]) => items.map((o) => `${o.narrative.title}/${o.name}@${o.ver}`);

const status = (code: number) => (error: unknown) => error instanceof ApiError && error.status === code;

describe('my data across narratives', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  let first: Narrative;
  let second: Narrative;
  let readsRef: string;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
    first = await alice.createNarrative('First study');
    second = await alice.createNarrative('Second study');
    readsRef = (await alice.upload(first.wsid, form('reads', 'Genomics.Reads-1.0', [['reads.fastq', FASTQ]]))).ref;
    await alice.saveObject(first.wsid, { name: 'notes', type: 'Report.Report-1.0', data: { title: 'one' } });
    await alice.saveObject(second.wsid, { name: 'stats', type: 'Report.Report-1.0', data: { title: 'two' } });
    // Bob's narratives: one alice may only read, one she may edit, one she cannot see.
    const readOnly = await bob.createNarrative('Bob reads');
    const editable = await bob.createNarrative('Bob edits');
    const unseen = await bob.createNarrative('Bob alone');
    for (const n of [readOnly, editable, unseen]) await bob.saveObject(n.wsid, { name: `of-${n.id}`, type: 'Report.Report-1.0', data: { title: n.title } });
    await bob.shareNarrative(readOnly.id, { user: 'alice', level: 'read' });
    await bob.shareNarrative(editable.id, { user: 'alice', level: 'write' });
  });
  after(() => h.stop());

  it('lists the objects of every narrative I own or may edit, each naming its narrative, newest narrative first; not the notebooks, not what I only read', async () => {
    const mine = await allMine(alice);
    const editable = (await alice.listNarratives()).find((n) => n.title === 'Bob edits')!;
    assert.deepEqual(listed(mine), [`Bob edits/of-${editable.id}@1`, 'Second study/stats@1', 'First study/notes@1', 'First study/reads@1']);
    const reads = mine.find((o) => o.name === 'reads')!;
    assert.deepEqual(reads.narrative, { id: first.id, title: 'First study', level: 'admin', published: false });
    assert.deepEqual(mine[0]!.narrative, { id: editable.id, title: 'Bob edits', level: 'write', published: false }, 'my level in each narrative');
    assert.equal(reads.ref, readsRef);
    assert.equal(reads.provenanceKind, 'upload');
    assert.equal(reads.hidden, false);
    // Bob's own listing has his three narratives' objects and none of alice's.
    assert.deepEqual(listed(await allMine(bob)).map((l) => l.split('/')[0]), ['Bob alone', 'Bob edits', 'Bob reads']);
  });

  it('filters by type and name, pages by cursor, and refuses a bad cursor and anonymous callers', async () => {
    assert.deepEqual(listed(await allMine(alice, { type: 'Genomics.Reads-1.0' })), ['First study/reads@1']);
    assert.deepEqual(listed(await allMine(alice, { type: 'Report.' })).length, 3);
    assert.deepEqual(listed(await allMine(alice, { name: 'tat' })), ['Second study/stats@1']);
    const pages = [];
    let page = await alice.myObjects({ limit: 1 });
    pages.push(page.items);
    while (page.next) pages.push((page = await alice.myObjects({ limit: 1, cursor: page.next })).items);
    assert.deepEqual(pages.map((p) => p.length), [1, 1, 1, 1]);
    assert.deepEqual(listed(pages.flat()), listed(await allMine(alice)));
    await assert.rejects(alice.myObjects({ cursor: 'not a cursor' }), status(400));
    await assert.rejects(h.anonymous.myObjects(), status(401));
  });

  it('reverts: an older version saved again as the newest, recording which version it repeats', async () => {
    const v1 = await alice.saveObject(second.wsid, { name: 'draft', type: 'Report.Report-1.0', data: { title: 'first words' } });
    await alice.saveObject(second.wsid, { name: 'draft', type: 'Report.Report-1.0', data: { title: 'second thoughts' } });
    const reverted = await alice.revertObject(v1.ref, 1);
    assert.equal(reverted.ver, 3);
    assert.equal(reverted.revertedFrom, v1.ref);
    const v3 = await alice.getObject(reverted.ref);
    assert.deepEqual(v3.data, { title: 'first words' });
    assert.equal(v3.provenance.revertedFrom, v1.ref);
    const history = await alice.history(v1.ref);
    assert.deepEqual(history.map((v) => [v.ver, v.revertedFrom, v.latest]), [[1, null, false], [2, null, false], [3, v1.ref, true]]);
    assert.ok(listed(await allMine(alice)).includes('Second study/draft@3'));
  });

  it('copies an object into another of my narratives, with its summary and where it came from', async () => {
    const copy = await alice.copyObject(readsRef, second.wsid);
    assert.equal(copy.copiedFrom, readsRef);
    assert.equal(copy.wsid, second.wsid);
    assert.deepEqual((await alice.getObject(copy.ref)).summary, FASTQ_SUMMARY);
    const inSecond = (await allMine(alice)).filter((o) => o.narrative.id === second.id).map((o) => o.name);
    assert.ok(inSecond.includes('reads'), inSecond.join(', '));
  });

  it('removes an object from view and brings it back; its versions stay readable', async () => {
    const notes = (await allMine(alice, { name: 'notes' }))[0]!;
    const hidden = await alice.setHidden(notes.ref, true);
    assert.equal(hidden.hidden, true);
    assert.equal(hidden.ref, notes.ref);
    assert.ok(!listed(await allMine(alice)).includes('First study/notes@1'));
    assert.deepEqual(listed(await allMine(alice, { hidden: true })), ['First study/notes@1']);
    const inWorkspace = (hiddenOnes: boolean) => alice.request<{ items: { name: string }[] }>('GET', `/workspaces/${first.wsid}/objects`, { query: { hidden: String(hiddenOnes) } });
    assert.deepEqual((await inWorkspace(false)).items.map((o) => o.name).sort(), ['narrative', 'reads']);
    assert.deepEqual((await inWorkspace(true)).items.map((o) => o.name), ['notes']);
    // Still there by reference, with its history.
    assert.deepEqual((await alice.getObject(notes.ref)).data, { title: 'one' });
    assert.equal((await alice.getObject(notes.ref)).hidden, true);
    assert.equal((await alice.history(notes.ref)).length, 1);

    await alice.setHidden(notes.ref, false);
    assert.ok(listed(await allMine(alice)).includes('First study/notes@1'));
    assert.deepEqual(await allMine(alice, { hidden: true }), []);

    // A new version brings a hidden object back into view.
    await alice.setHidden(notes.ref, true);
    await alice.saveObject(first.wsid, { name: 'notes', type: 'Report.Report-1.0', data: { title: 'one, again' } });
    assert.ok(listed(await allMine(alice)).includes('First study/notes@2'));
  });

  it('lets only those who may edit a narrative remove its objects from view, and never its notebook', async () => {
    const bobs = (await allMine(bob)).find((o) => o.narrative.title === 'Bob reads')!;
    await assert.rejects(alice.setHidden(bobs.ref, true), status(403));
    await assert.rejects(alice.setHidden(`${first.wsid}/${first.objid}`, true), status(409));
    await assert.rejects(alice.setHidden(`${first.wsid}/no-such-object`, true), status(404));
  });

  it('says which narratives are locked: their objects listed, but neither removed from view nor reverted', async () => {
    const locked = await alice.createNarrative('Locked study');
    const v1 = await alice.saveObject(locked.wsid, { name: 'final', type: 'Report.Report-1.0', data: { title: 'as published' } });
    await alice.saveObject(locked.wsid, { name: 'final', type: 'Report.Report-1.0', data: { title: 'last words' } });
    await alice.publishNarrative(locked.id);
    const row = (await allMine(alice, { name: 'final' })).find((o) => o.narrative.id === locked.id)!;
    assert.deepEqual(row.narrative, { id: locked.id, title: 'Locked study', level: 'admin', published: true });
    // What the lab disables for such a row is what the server refuses.
    await assert.rejects(alice.setHidden(row.ref, true), status(409));
    await assert.rejects(alice.revertObject(v1.ref, 1), status(409));
    assert.ok((await alice.getObject(row.ref)).data, 'still read and copied as before');
  });

  it('summarises uploaded reads exactly: plain, gzip, two files, and saved from blobs', async () => {
    assert.deepEqual((await alice.getObject(readsRef)).summary, FASTQ_SUMMARY);
    const gz = await alice.upload(first.wsid, form('zipped', 'Genomics.Reads-1.0', [['reads.fastq.gz', gzipSync(FASTQ)]]));
    assert.deepEqual((await alice.getObject(gz.ref)).summary, FASTQ_SUMMARY);
    const pair = await alice.upload(first.wsid, form('pair', 'Genomics.Reads-1.0', [['r1.fastq', FASTQ], ['r2.fastq', '@x\nACGTACGTACGTACGTACGTACGTA\n+\nIIIIIIIIIIIIIIIIIIIIIIIII\n']]));
    assert.deepEqual((await alice.getObject(pair.ref)).summary, { kind: 'reads', format: 'fastq', readCount: 4, totalBases: 58, minLength: 3, maxLength: 25, meanLength: 14.5 });
    const blob = await alice.uploadBlob('>c1\nACGT\nAC\n>c2\nA\n');
    const saved = await alice.saveObject(first.wsid, { name: 'fasta', type: 'Genomics.Reads-1.0', data: { format: 'fasta' }, files: [{ name: 'reads.fasta', sha256: blob.sha256 }] });
    assert.deepEqual((await alice.getObject(saved.ref)).summary, { kind: 'reads', format: 'fasta', readCount: 2, totalBases: 7, minLength: 1, maxLength: 6, meanLength: 3.5 });
  });

  it('saves a malformed FASTQ with no summary, and other types too', async () => {
    const bad = await alice.upload(first.wsid, form('broken', 'Genomics.Reads-1.0', [['broken.fastq', '@r1\nACGT\n+\nII\n']]));
    assert.equal(bad.ver, 1);
    const stored = await alice.getObject(bad.ref);
    assert.equal(stored.summary, null);
    assert.equal((await (await alice.downloadFile(bad.ref, 'broken.fastq')).text()), '@r1\nACGT\n+\nII\n');
    const cutGzip = gzipSync(FASTQ).subarray(0, 20);
    assert.equal((await alice.getObject((await alice.upload(first.wsid, form('cut', 'Genomics.Reads-1.0', [['cut.fastq.gz', cutGzip]]))).ref)).summary, null);
    assert.equal((await alice.getObject(`${first.wsid}/notes`)).summary, null);
  });
});
