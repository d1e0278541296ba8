import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildOciArchive } from '@narrative/launcher-native';
import { ApiError, outputsOf, verificationOf, type Narrative, type NarrativeClient, type NarrativeRun } from '@narrative/server/client';
import { saveAppCells, type AppCellFixture } from '../support/app-cells.js';
import { cliHomeIn, runCli, type CliTarget } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, relayApp, uploadReads } from '../support/test-app.js';

const run = promisify(execFile);
/** archive.json as far as these tests edit it. */
type ArchiveIndex = Record<string, unknown> & { jobs?: (Record<string, unknown> & { app: string })[] };
/** Over the 1 MiB a crate holds inline: the archive must carry it all the same. */
const BIG_READS = '@r\nACGT\n+\nIIII\n'.repeat(80_000);

/**
 * The offline archive on the local scheduler: a narrative of two chained
 * relay cells exported as one tar (read by GNU tar, its manifest checked by
 * sha256sum), imported into a fresh server as a new narrative whose objects
 * have new ids and whose cells point at them, then run there to the same
 * bytes. A user who may not register the apps, a truncated archive and a
 * tampered one are refused with nothing imported.
 */
describe('offline archive: export, import into a fresh server, run again', () => {
  let source: Harness;
  let target: Harness;
  let alice: NarrativeClient;
  let narrative: Narrative;
  let archive: Buffer;
  let archivePath: string;
  let originalOutputs: Map<string, string[]>;
  let originalJobs: Map<string, number>;
  let importedId: number;
  let digest: string;
  let dave: NarrativeClient;
  let daveToken: string;

  const count = async (client: NarrativeClient) => ({ narratives: (await client.listNarratives()).length, workspaces: (await client.listWorkspaces()).length });
  const refused = async (client: NarrativeClient, body: Buffer, status: number, pattern: RegExp) => {
    await assert.rejects(client.importArchive(new Uint8Array(body)), (error: unknown) => {
      assert.ok(error instanceof ApiError, String(error));
      assert.equal(error.status, status, error.message);
      assert.match(error.message, pattern);
      return true;
    });
  };
  const ended = async (client: NarrativeClient, started: NarrativeRun): Promise<NarrativeRun> => {
    let current = started;
    for (const deadline = Date.now() + 180_000; current.state === 'running'; current = await client.narrativeRun(started.narrative, started.id)) {
      assert.ok(Date.now() < deadline, `run ${started.id} still running`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return current;
  };
  /**
   * The exported archive with its index edited (and any files `add` writes
   * into the unpacked tree appended), its manifest made anew as the
   * exporter would: what a careless or hostile exporter could send.
   */
  const repacked = async (edit: (index: ArchiveIndex) => ArchiveIndex, add?: (dir: string) => Promise<string[]>): Promise<Buffer> => {
    const dir = await mkdtemp(join(source.home, 'repack-'));
    await run('tar', ['-xf', archivePath, '-C', dir]);
    const files = (await run('tar', ['-tf', archivePath])).stdout.split('\n').filter((p) => p && p !== 'manifest-sha256.txt');
    await writeFile(join(dir, 'archive.json'), JSON.stringify(edit(JSON.parse(await readFile(join(dir, 'archive.json'), 'utf8')) as ArchiveIndex)));
    const sums = await run('sha256sum', ['--', ...files], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    await writeFile(join(dir, 'manifest-sha256.txt'), sums.stdout);
    const extra = add ? await add(dir) : [];
    const out = `${dir}.tar`;
    await run('tar', ['--format=pax', '-cf', out, '-C', dir, '--', ...files, 'manifest-sha256.txt', ...extra]);
    return readFile(out);
  };
  const fileSums = async (client: NarrativeClient, ref: string) => (await client.getObject(ref)).files.map((f) => `${f.name}:${f.sha256}`);

  before(async () => {
    source = await startHarness(['alice']);
    target = await startHarness(['carol']);
    ({ token: daveToken } = await target.admin.createUser('dave', 'developer', 'dave-password'));
    dave = target.client(daveToken);
    alice = source.users.alice!.client;
    // The relay app on an image in the server's image store, as `narrative app register` leaves it: the archive carries its OCI archive.
    const app = relayApp(await buildTestApp());
    const image = await buildOciArchive(app.container.image.location, join(source.home, 'relay.oci.tar'));
    await source.admin.pushImage(image.digest, new Blob([await readFile(image.location)]));
    await source.admin.registerApp({ ...app, container: { image: { digest: image.digest } } });
    digest = image.digest;
    narrative = await alice.createNarrative('Archived chain');
    const reads = await uploadReads(alice, narrative.wsid, BIG_READS, { name: 'reads' });
    const byHand = async (cell: string, input: string) =>
      alice.waitForJob((await alice.run({ app: 'test/relay', ws: String(narrative.wsid), inputs: { reads: input }, params: { mode: 'relay' }, narrative: { id: narrative.id, cell } })).id);
    const a = await byHand('cell-a', reads);
    const b = await byHand('cell-b', outputsOf(a)[0]!);
    assert.deepEqual([a.state, b.state], ['completed', 'completed']);
    const cells: AppCellFixture[] = [
      { id: 'cell-a', app: 'test/relay', version: '1.0.0', params: { mode: 'relay' }, inputs: { reads }, jobId: a.id },
      { id: 'cell-b', app: 'test/relay', version: '1.0.0', params: { mode: 'relay' }, inputs: { reads: outputsOf(a)[0]! }, jobId: b.id },
    ];
    await saveAppCells(alice, narrative, cells);
    originalJobs = new Map([['cell-a', a.id], ['cell-b', b.id]]);
    originalOutputs = new Map([
      ['cell-a', await fileSums(alice, outputsOf(a)[0]!)],
      ['cell-b', await fileSums(alice, outputsOf(b)[0]!)],
    ]);
  });
  after(async () => {
    await source?.stop();
    await target?.stop();
  });

  it('exports the narrative as one tar with the CLI: GNU tar reads it and sha256sum checks every file against its manifest', async () => {
    archivePath = join(source.home, 'chain.tar');
    const cli: CliTarget = { url: source.server.url, home: await cliHomeIn(source.home), token: source.users.alice!.token };
    const printed = await runCli(['export', String(narrative.id), '--format', 'archive', '--out', archivePath], cli);
    assert.equal(printed.code, 0, printed.stderr);
    archive = await readFile(archivePath);
    const listed = (await run('tar', ['-tf', archivePath])).stdout.split('\n').filter(Boolean);
    assert.ok(listed.includes(`images/sha256/${digest.slice('sha256:'.length)}.oci.tar`), "the app's image is in the archive");
    for (const expected of ['ro-crate-metadata.json', 'ro-crate-preview.html', 'narrative.ipynb', 'archive.json', 'apps/test/relay/1.0.0.json', 'manifest-sha256.txt']) assert.ok(listed.includes(expected), `${expected} in ${listed.join(', ')}`);
    assert.ok(listed.some((p) => /^objects\/\d+\/\d+\/\d+\/files\/reads\.fastq$/.test(p)), 'the reads, over 1 MiB, are in the archive');
    const unpacked = join(source.home, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['-xf', archivePath, '-C', unpacked]);
    const checked = await run('sha256sum', ['--check', '--strict', 'manifest-sha256.txt'], { cwd: unpacked });
    assert.equal(checked.stdout.split('\n').filter(Boolean).length, listed.length - 1, 'every file but the manifest is in the manifest');
    assert.doesNotMatch(await readFile(join(unpacked, 'ro-crate-metadata.json'), 'utf8'), /Not in this crate/, 'the crate inside holds its large files too');
  });

  it('refuses a user who may not register the apps the archive needs, importing nothing', async () => {
    const carol = target.users.carol!.client;
    const before_ = await count(carol);
    await refused(carol, archive, 403, /test\/relay@1\.0\.0.*not registered here/);
    assert.deepEqual(await count(carol), before_);
  });

  it('refuses a truncated archive and a tampered one, naming what broke, importing nothing', async () => {
    const before_ = await count(dave);
    await refused(dave, archive.subarray(0, Math.floor(archive.length / 2)), 422, /truncated/);
    const tampered = Buffer.from(archive);
    const at = tampered.indexOf('@r\nACGT') + 1000;
    tampered[at] = tampered[at] === 0x41 ? 0x43 : 0x41;
    await refused(dave, tampered, 422, /objects\/\d+\/\d+\/\d+\/files\/reads\.fastq does not match its sha256/);
    assert.deepEqual(await count(dave), before_);
    assert.equal((await dave.listApps()).length, 0, 'no app registered either');
  });

  it('imports it with the CLI into the fresh server as a developer: the app and its image registered, a new narrative they own, its objects under new ids, the cells pointing at them', async () => {
    const cli: CliTarget = { url: target.server.url, home: await cliHomeIn(target.home), token: daveToken };
    const printed = await runCli(['import', archivePath], cli);
    assert.equal(printed.code, 0, printed.stderr);
    importedId = Number(printed.stdout.trim());
    const imported = await dave.narrative(importedId);
    assert.equal(imported.owner, 'dave');
    assert.equal((await dave.image(digest)).digest, digest, 'the image was pushed from the archive');
    assert.equal(imported.title, 'Archived chain');
    const objects = await dave.listObjects(imported.wsid);
    const names = async (client: NarrativeClient, wsid: number) => (await client.listObjects(wsid)).items.map((o) => o.name).sort();
    assert.deepEqual(await names(dave, imported.wsid), await names(alice, narrative.wsid), 'the same objects, by name');
    for (const o of objects.items) assert.equal(o.wsid, imported.wsid, `${o.name} lives in the new workspace`);
    const notebook = (await dave.notebook(importedId)) as { cells: { id: string; metadata: { narrative: { app: { inputs: { reads: string }; jobId?: number } } } }[] };
    const [cellA, cellB] = notebook.cells.map((c) => c.metadata.narrative.app);
    for (const cell of [cellA!, cellB!]) {
      const restored = await dave.getObject(cell.inputs.reads);
      assert.equal(restored.wsid, imported.wsid);
      assert.match(restored.provenance.copiedFrom ?? '', /^\d+\/\d+\/\d+$/, 'the original ref is kept');
    }
    const reads = await dave.getObject(cellA!.inputs.reads);
    assert.equal(reads.summary?.readCount, 80_000, 'the reads keep their summary');
    assert.deepEqual(reads.summary, (await alice.getObject((await alice.getObject(reads.provenance.copiedFrom!)).ref)).summary);
    const relayed = await dave.getObject(cellB!.inputs.reads);
    assert.equal(relayed.provenance.kind, 'app');
    assert.deepEqual(relayed.provenance.inputs.map((i) => i.resolved), [cellA!.inputs.reads], 'provenance inputs map to the restored versions');
    assert.equal(relayed.provenance.app?.jobId, cellA!.jobId, "the version's run is the restored record of cell-a's run");
  });

  it("restores each cell's run as a completed job of the imported narrative: its result shown as it was, its inputs and outputs the restored versions", async () => {
    const notebook = (await dave.notebook(importedId)) as { cells: { id: string; metadata: { narrative: { app: { inputs: { reads: string }; jobId?: number } } } }[] };
    assert.deepEqual(notebook.cells.map((c) => c.id), ['cell-a', 'cell-b']);
    for (const cell of notebook.cells) {
      const app = cell.metadata.narrative.app;
      assert.ok(app.jobId !== undefined, `${cell.id} points at its restored run`);
      const job = await dave.job(app.jobId);
      const original = await alice.job(originalJobs.get(cell.id)!);
      assert.equal(job.state, 'completed');
      assert.ok(original.state === 'completed');
      assert.deepEqual([job.params, job.attempt, job.startedAt, job.endedAt], [original.params, original.attempt, original.startedAt, original.endedAt], `${cell.id} ended as it did where it ran`);
      assert.equal(job.user, 'dave');
      assert.equal(job.wsid, (await dave.narrative(importedId)).wsid);
      assert.deepEqual(job.inputs.map((i) => i.resolved), [app.inputs.reads]);
      assert.deepEqual(await fileSums(dave, outputsOf(job)[0]!), originalOutputs.get(cell.id), `${cell.id}: its restored output holds the original bytes`);
      assert.equal((await dave.getObject(outputsOf(job)[0]!)).provenance.app?.jobId, job.id);
      assert.deepEqual((await dave.jobEvents(job.id)).map((e) => e.event), [{ type: 'imported', from: originalJobs.get(cell.id) }], 'its events say which run it restores');
    }
  });

  it('runs all there verified: every step reports identical to the run the archive carried, and saves no copy', async () => {
    const notebook = (await dave.notebook(importedId)) as { cells: { id: string; metadata: { narrative: { app: { jobId: number } } } }[] };
    const done = await ended(dave, await dave.runAll(importedId, { verify: true }));
    assert.equal(done.state, 'completed', JSON.stringify(done.steps.map((s) => [s.cell, s.job.state])));
    assert.deepEqual(done.steps.map((s) => s.cell), ['cell-a', 'cell-b']);
    for (const step of done.steps) {
      const report = verificationOf(step.job);
      const restoredRun = notebook.cells.find((c) => c.id === step.cell)!.metadata.narrative.app.jobId;
      assert.equal(report?.identical, true, `${step.cell}: ${JSON.stringify(report)}`);
      assert.equal(report.original, restoredRun, `${step.cell} is verified against its restored run`);
      assert.deepEqual(outputsOf(step.job), outputsOf(await dave.job(restoredRun)), `${step.cell}: the restored version stands, no copy`);
      assert.deepEqual(await fileSums(dave, outputsOf(step.job)[0]!), originalOutputs.get(step.cell ?? ''), String(step.cell));
    }
  });

  it('refuses an archive whose runs are not what the exporter writes (a run twice, a run of an app it does not carry) or that holds a link, importing nothing', async () => {
    const before_ = await count(dave);
    const twice = await repacked((index) => ({ ...index, jobs: [...index.jobs!, index.jobs![0]!] }));
    await refused(dave, twice, 422, /the run \d+ is in it twice/);
    const foreignApp = await repacked((index) => ({ ...index, jobs: index.jobs!.map((j) => ({ ...j, app: 'test/elsewhere' })) }));
    await refused(dave, foreignApp, 422, /ran test\/elsewhere@1\.0\.0, an app the archive does not carry/);
    const linked = await repacked((index) => index, async (dir) => {
      await symlink('archive.json', join(dir, 'link'));
      return ['link'];
    });
    await refused(dave, linked, 422, /link is not a regular file/);
    assert.deepEqual(await count(dave), before_);
  });

  it('imports an archive that carries no runs: its cells have none, and its versions name no job of this server but the one they came from', async () => {
    const withoutRuns = await repacked(({ jobs: _jobs, ...index }) => index);
    const imported = await dave.importArchive(new Uint8Array(withoutRuns));
    const notebook = (await dave.notebook(imported.id)) as { cells: { metadata: { narrative: { app: { inputs: { reads: string }; jobId?: number } } } }[] };
    assert.deepEqual(notebook.cells.map((c) => c.metadata.narrative.app.jobId), [undefined, undefined]);
    const relayed = await dave.getObject(notebook.cells[1]!.metadata.narrative.app.inputs.reads);
    assert.equal(relayed.provenance.app?.jobId, 0, 'no job of this server made it');
    assert.equal(relayed.provenance.app?.originalJobId, originalJobs.get('cell-a'));
  });

  it('lets a user import it once every app version it needs is registered here with the same image', async () => {
    const carol = target.users.carol!.client;
    const imported = await carol.importArchive(new Uint8Array(archive));
    assert.equal(imported.owner, 'carol');
    assert.notEqual(imported.id, importedId);
  });
});
