import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { NarrativeClient } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

describe('object life cycle', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let wsid: number;
  let otherWs: number;
  const contigs = '>c1\nACGTACGTAA\n>c2\nGGCC\n';

  before(async () => {
    h = await startHarness(['alice']);
    alice = h.users.alice!.client;
    wsid = (await alice.createWorkspace('alice-data')).id;
    otherWs = (await alice.createWorkspace('alice-other')).id;
  });
  after(() => h.stop());

  it('stores a blob by its sha256 and saves a typed object that carries it', async () => {
    const blob = await alice.uploadBlob(contigs);
    assert.deepEqual(blob, { sha256: sha256(contigs), size: contigs.length });
    const saved = await alice.saveObject(wsid, {
      name: 'assembly',
      type: 'Genomics.Assembly-1.0',
      data: { contigCount: 2, totalLength: 14 },
      files: [{ name: 'contigs.fasta', sha256: blob.sha256 }],
      description: 'hand-made',
    });
    assert.equal(saved.ref, `${wsid}/1/1`);
    assert.equal(saved.latest, true);
    assert.equal(saved.size, JSON.stringify({ contigCount: 2, totalLength: 14 }).length + contigs.length);
  });

  it('gets a version by numeric ref, by names, and as latest, all resolving to the same version', async () => {
    const byRef = await alice.getObject(`${wsid}/1/1`);
    const byNames = await alice.getObject('alice-data/assembly/1');
    const latest = await alice.getObject(`${wsid}/assembly`);
    assert.deepEqual(byNames, byRef);
    assert.deepEqual(latest, byRef);
    assert.deepEqual(byRef.data, { contigCount: 2, totalLength: 14 });
    assert.deepEqual(byRef.files, [{ name: 'contigs.fasta', sha256: sha256(contigs), size: contigs.length }]);
    assert.equal(byRef.provenance.kind, 'save');
    assert.equal(byRef.provenance.user, 'alice');
    assert.equal(byRef.provenance.description, 'hand-made');
  });

  it('serves a file byte for byte', async () => {
    const response = await alice.downloadFile(`${wsid}/1/1`, 'contigs.fasta');
    assert.equal(await response.text(), contigs);
    assert.equal(response.headers.get('etag'), `"${sha256(contigs)}"`);
  });

  it('saving again makes version 2 and leaves version 1 as it was', async () => {
    const v2 = await alice.saveObject(wsid, { name: 'assembly', type: 'Genomics.Assembly-1.0', data: { contigCount: 2, totalLength: 14, n50: 10 }, files: [{ name: 'contigs.fasta', sha256: sha256(contigs) }] });
    assert.equal(v2.ref, `${wsid}/1/2`);
    const v1 = await alice.getObject(`${wsid}/1/1`);
    assert.deepEqual(v1.data, { contigCount: 2, totalLength: 14 });
    assert.equal(v1.latest, false);
    const history = await alice.history(`${wsid}/assembly`);
    assert.deepEqual(history.map((v) => v.ref), [`${wsid}/1/1`, `${wsid}/1/2`]);
  });

  it('records inputs as given and as resolved, and answers lineage both ways', async () => {
    const genome = await alice.saveObject(wsid, {
      name: 'genome',
      type: 'Genomics.Genome-1.0',
      data: { geneCount: 3 },
      files: [{ name: 'contigs.fasta', sha256: sha256(contigs) }],
      inputs: ['alice-data/assembly/1'],
    });
    const saved = await alice.getObject(genome.ref);
    assert.deepEqual(saved.provenance.inputs, [{ given: 'alice-data/assembly/1', resolved: `${wsid}/1/1` }]);
    const report = await alice.saveObject(wsid, { name: 'report', type: 'Report.Report-1.0', data: { title: 'stats' }, inputs: [genome.ref] });

    const down = await alice.lineage(`${wsid}/1/1`, 'descendants');
    assert.deepEqual(new Set(down.nodes.map((n) => n.ref)), new Set([`${wsid}/1/1`, genome.ref, report.ref]));
    assert.deepEqual(down.edges.map((e) => `${e.from}>${e.to}`).sort(), [`${wsid}/1/1>${genome.ref}`, `${genome.ref}>${report.ref}`].sort());
    const up = await alice.lineage(report.ref, 'ancestors');
    assert.deepEqual(new Set(up.nodes.map((n) => `${n.ref}:${n.type}`)), new Set([`${report.ref}:Report.Report-1.0`, `${genome.ref}:Genomics.Genome-1.0`, `${wsid}/1/1:Genomics.Assembly-1.0`]));
    const shallow = await alice.lineage(report.ref, 'ancestors', 1);
    assert.equal(shallow.nodes.length, 2);
  });

  it('lists latest versions with type, name, date filters and pagination', async () => {
    const all = await alice.listObjects(wsid);
    assert.equal(all.total, 3);
    assert.deepEqual(all.items.map((o) => o.name), ['assembly', 'genome', 'report']);
    assert.equal(all.items[0]!.ver, 2);
    assert.deepEqual((await alice.listObjects(wsid, { type: 'Genomics.' })).items.map((o) => o.name), ['assembly', 'genome']);
    assert.deepEqual((await alice.listObjects(wsid, { type: 'Report.Report-1.0' })).items.map((o) => o.name), ['report']);
    assert.deepEqual((await alice.listObjects(wsid, { name: 'emb' })).items.map((o) => o.name), ['assembly']);
    const page = await alice.listObjects(wsid, { limit: 2, offset: 2 });
    assert.deepEqual([page.total, page.items.length, page.items[0]!.name], [3, 1, 'report']);
    assert.equal((await alice.listObjects(wsid, { after: new Date(Date.now() + 60_000).toISOString() })).total, 0);
    assert.equal((await alice.listObjects(wsid, { before: new Date(Date.now() + 60_000).toISOString() })).total, 3);
  });

  it('copies between workspaces keeping provenance and recording where from', async () => {
    const copy = await alice.copyObject(`${wsid}/genome`, otherWs);
    assert.equal(copy.copiedFrom, `${wsid}/2/1`);
    const copied = await alice.getObject(copy.ref);
    const original = await alice.getObject(`${wsid}/2/1`);
    assert.deepEqual(copied.data, original.data);
    assert.deepEqual(copied.files, original.files);
    assert.deepEqual(copied.provenance, { ...original.provenance, copiedFrom: `${wsid}/2/1` });
    const lineage = await alice.lineage(copy.ref, 'ancestors', 1);
    assert.deepEqual(lineage.edges, [{ from: `${wsid}/2/1`, to: copy.ref, relation: 'copy' }]);
  });

  it('reverts by saving an old version again as the newest', async () => {
    const reverted = await alice.revertObject(`${wsid}/assembly`, 1);
    assert.equal(reverted.ref, `${wsid}/1/3`);
    const v3 = await alice.getObject(reverted.ref);
    assert.deepEqual(v3.data, { contigCount: 2, totalLength: 14 });
    assert.equal(v3.provenance.revertedFrom, `${wsid}/1/1`);
    assert.equal((await alice.history(`${wsid}/1`)).length, 3);
  });

  it('uploads files as an object in one streamed multipart request, with upload provenance', async () => {
    const reads = '@r1\nACGT\n+\nIIII\n';
    const form = new FormData();
    form.set('name', 'reads');
    form.set('type', 'Genomics.Reads-1.0');
    form.set('data', JSON.stringify({ platform: 'test' }));
    form.set('file', new Blob([reads]), 'reads.fastq');
    const info = await alice.upload(wsid, form);
    const object = await alice.getObject(info.ref);
    assert.deepEqual(object.data, { platform: 'test', format: 'fastq', paired: false });
    assert.equal(object.provenance.kind, 'upload');
    assert.deepEqual(object.provenance.sourceFiles, [{ filename: 'reads.fastq', sha256: sha256(reads), size: reads.length }]);
  });

  it('deduplicates identical content to one blob file', async () => {
    const again = await alice.uploadBlob(contigs);
    assert.equal(again.sha256, sha256(contigs));
    const { readdir } = await import('node:fs/promises');
    const dir = `${h.home}/blobs/${again.sha256.slice(0, 2)}`;
    assert.deepEqual((await readdir(dir)).filter((f) => f === again.sha256), [again.sha256]);
  });
});
