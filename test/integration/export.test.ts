import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Checker, ROCrate } from 'ro-crate';
import { outputsOf, type Job, type Narrative, type NarrativeClient } from '@narrative/server/client';
import { saveAppCells, type AppCellFixture } from '../support/app-cells.js';
import { cliHomeIn, runCli, type CliTarget } from '../support/cli.js';
import { crateGraph, ids, types, unzip, type CrateGraph, type Entity } from '../support/crate.js';
import { startHarness, type Harness } from '../support/harness.js';
import { normalized, readWithPythonProv } from '../support/prov.js';
import { REQUIREMENTS } from '../support/run-crate-requirements.js';
import { buildTestApp, relayApp, uploadReads } from '../support/test-app.js';

const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';
/** Past the 1 MiB a file may weigh inside a crate: named by its address instead. */
const BIG_READS = '@r\nACGT\n+\nIIII\n'.repeat(80_000);
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * Exports on the local scheduler: a narrative whose cells A → B relay a
 * count (B reads A's output) and whose cell C failed, as an RO-Crate (every
 * MUST of the run-crate profiles, read back with the ro-crate library, its
 * preview rendered by ro-crate-html) and as PROV-JSON (read and written back
 * by python3-prov); an object's lineage the same ways; the CLI writing a
 * directory and a zip; and a reader without access refused as GET refuses.
 */
describe('export: RO-Crate and W3C PROV', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let narrative: Narrative;
  let cli: CliTarget;
  let serverVersion: string;
  let jobs: Record<'a' | 'b' | 'c', Job>;
  let crate: CrateGraph;

  const completed = async (cell: string, app: string, reads: string, mode: string) =>
    alice.waitForJob((await alice.run({ app, ws: String(narrative.wsid), inputs: { reads }, params: { mode }, narrative: { id: narrative.id, cell } })).id);
  const zipOf = async (response: Response) => unzip(Buffer.from(await response.arrayBuffer()));
  const jobAction = (job: Job) => crate.entity(`#job/${job.id}`);

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.client;
    serverVersion = (await alice.health()).version;
    const app = await buildTestApp();
    await h.admin.registerApp(app);
    await h.admin.registerApp(relayApp(app));
    narrative = await alice.createNarrative('Export <chain>');
    const reads = await uploadReads(alice, narrative.wsid, READS, { name: 'reads' });
    const big = await uploadReads(alice, narrative.wsid, BIG_READS, { name: 'big-reads' });
    const a = await completed('cell-a', 'test/relay', reads, 'relay');
    const b = await completed('cell-b', 'test/relay', outputsOf(a)[0]!, 'relay');
    const c = await completed('cell-c', 'test/count-lines', big, 'fail');
    jobs = { a, b, c };
    assert.deepEqual([a.state, b.state, c.state], ['completed', 'completed', 'failed']);
    const cells: AppCellFixture[] = [
      { id: 'cell-a', app: 'test/relay', version: '1.0.0', params: { mode: 'relay' }, inputs: { reads }, jobId: a.id },
      { id: 'cell-b', app: 'test/relay', version: '1.0.0', params: { mode: 'relay' }, inputs: { reads: outputsOf(a)[0]! }, jobId: b.id },
      { id: 'cell-c', app: 'test/count-lines', version: '1.0.0', params: { mode: 'fail' }, inputs: { reads: big }, jobId: c.id },
    ];
    await saveAppCells(alice, narrative, cells);
    crate = crateGraph(await zipOf(await alice.exportNarrative(narrative.id)));
    cli = { url: h.server.url, home: await cliHomeIn(h.home), token: h.users.alice!.token };
  });
  after(() => h?.stop());

  describe('the RO-Crate of a narrative meets every MUST of the run-crate profiles', () => {
    for (const requirement of REQUIREMENTS) it(`${requirement.profile}: ${requirement.name}`, () => requirement.check(crate));
  });

  it('the ro-crate library reads the crate back: root, main workflow, steps and runs, with no validation error', () => {
    const read = new ROCrate(crate.metadata, { array: true, link: true });
    // The library bundles RO-Crate 1.2's context only; its terms (a superset of 1.1's) name ours offline.
    read.__contextCache['https://w3id.org/ro/crate/1.1/context'] = (createRequire(import.meta.url)('ro-crate/lib/context.json') as { '@context': Record<string, unknown> })['@context'];
    const root = read.rootDataset as unknown as { name: string[]; mainEntity: { name: string[]; step: { position: number[] }[] }[] };
    assert.deepEqual(root.name, ['Export <chain>']);
    assert.deepEqual(root.mainEntity[0]!.step.map((s) => s.position[0]), [0, 1, 2]);
    const validator = new Checker(read).validator;
    validator.rootDataEntity();
    const present: Record<string, { exists: boolean; isDir?: boolean }> = {};
    for (const path of crate.files.keys()) {
      present[path] = { exists: true };
      for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) present[path.slice(0, cut + 1)] = { exists: true, isDir: true };
    }
    validator.checkFiles(present, read);
    assert.deepEqual(validator.results.filter((r: { status: string }) => r.status === 'error'), []);
  });

  it('each run is a CreateAction with its app (version, image by sha256), inputs, outputs, agent, times and status', () => {
    const b = jobAction(jobs.b);
    const app = crate.entity(ids(b['instrument'])[0]!);
    assert.deepEqual([types(app), app['version'], app['identifier']], [['SoftwareApplication'], '1.0.0', 'test/relay@1.0.0']);
    for (const holder of [b, app]) {
      const image = crate.entity(ids(holder['containerImage'])[0]!);
      assert.deepEqual(types(image), ['ContainerImage']);
      assert.match(String(image['sha256']), /^[0-9a-f]{64}$/);
    }
    const [input] = ids(b['object']).map(crate.entity);
    const [output] = ids(b['result']).map(crate.entity);
    assert.equal(input!['@id'], `objects/${outputsOf(jobs.a)[0]}/`, "B's object is A's output");
    assert.equal(output!['@id'], `objects/${outputsOf(jobs.b)[0]}/`);
    for (const file of ids(output!['hasPart']).map(crate.entity)) {
      assert.ok(types(file).includes('File'));
      assert.equal(file['sha256'], sha256(crate.files.get(file['@id'])!));
      assert.equal(Number(file['contentSize']), crate.files.get(file['@id'])!.length);
    }
    assert.equal(crate.entity(ids(b['agent'])[0]!)['name'], 'alice');
    assert.ok(Date.parse(String(b['startTime'])) <= Date.parse(String(b['endTime'])));
    assert.deepEqual(ids(b['actionStatus']), ['http://schema.org/CompletedActionStatus']);
    const c = jobAction(jobs.c);
    assert.deepEqual(ids(c['actionStatus']), ['http://schema.org/FailedActionStatus']);
    assert.match(String(c['error']), /exited with code 3/);
    assert.equal(c['result'], undefined, 'a failed run made nothing');
  });

  it('the whole run is an OrganizeAction of this platform (with its version) over a ControlAction per step', () => {
    const [organize] = crate.ofType('OrganizeAction') as [Entity];
    const platform = crate.entity(ids(organize['instrument'])[0]!);
    assert.deepEqual([platform['name'], platform['version']], ['narrative', serverVersion]);
    const controls = ids(organize['object']).map(crate.entity);
    assert.deepEqual(controls.map((c) => ids(c['instrument'])[0]), ['#step/cell-a', '#step/cell-b', '#step/cell-c']);
    assert.deepEqual(controls.map((c) => ids(c['object'])[0]), [jobs.a, jobs.b, jobs.c].map((j) => `#job/${j.id}`));
    assert.deepEqual(ids(crate.entity(ids(organize['result'])[0]!)['instrument']), ['narrative.ipynb']);
    assert.deepEqual(ids(organize['actionStatus']), ['http://schema.org/FailedActionStatus'], 'one step failed');
  });

  it('a file over 1 MiB is named by its address with sha256 and size; the notebook and small files are inside', async () => {
    const big = crate.ofType('File').find((f) => f['name'] === 'reads.fastq' && String(f['@id']).startsWith('http'))!;
    assert.equal(big['sha256'], sha256(BIG_READS));
    assert.equal(Number(big['contentSize']), BIG_READS.length);
    const download = await h.fetch(new URL(big['@id']).pathname + new URL(big['@id']).search, { headers: { Authorization: `Bearer ${h.users.alice!.token}` } });
    assert.equal(sha256(Buffer.from(await download.arrayBuffer())), big['sha256'], 'its address serves those bytes');
    const notebook = JSON.parse(crate.files.get('narrative.ipynb')!.toString()) as { cells: unknown[] };
    assert.equal(notebook.cells.length, 3);
    assert.equal(crate.mainEntity['sha256'], sha256(crate.files.get('narrative.ipynb')!));
  });

  it('ro-crate-preview.html is rendered from the metadata by ro-crate-html, users\' text escaped', () => {
    const html = crate.files.get('ro-crate-preview.html')!.toString();
    assert.match(html, /<script type="application\/ld\+json">/);
    assert.match(html, /Export &lt;chain&gt;/);
    assert.ok(!html.includes('Export <chain>'), 'no raw markup from a title');
    assert.ok(html.includes('Export \\u003cchain>'), 'the embedded metadata is the same JSON, with < escaped');
    // The library's own script would redraw the page from the raw metadata: the static page is final, and fetches nothing.
    assert.doesNotMatch(html, /<script[^>]*\bsrc=/i);
    assert.doesNotMatch(html, /<link[^>]*href=["']?https?:/i);
  });

  it('PROV-JSON of the narrative parses with python3-prov and round-trips', async () => {
    const response = await alice.exportNarrative(narrative.id, 'prov');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const document = (await response.json()) as Record<string, Record<string, Record<string, unknown>>>;
    const file = join(h.home, 'narrative.prov.json');
    await writeFile(file, JSON.stringify(document));
    const read = await readWithPythonProv(file);
    assert.equal(read.same, true, 'what python-prov wrote reads back as the same document');
    assert.deepEqual(normalized(read.written), normalized(document), 'and it is what we wrote');
    const job = `narrative:jobs/${jobs.b.id}`;
    const input = `narrative:objects/${outputsOf(jobs.a)[0]}`;
    const output = `narrative:objects/${outputsOf(jobs.b)[0]}`;
    assert.ok(document['activity']![job]);
    assert.equal(document['agent']!['narrative:users/alice']!['prov:type'] && (document['agent']!['narrative:users/alice']!['prov:type'] as { $: string }).$, 'prov:Person');
    assert.deepEqual(document['used']![`${job}/used/reads`], { 'prov:activity': job, 'prov:entity': input, 'prov:role': 'reads', 'prov:time': document['activity']![job]!['prov:startTime'] });
    assert.equal(document['wasGeneratedBy']![`${job}/generated/stats`]!['prov:entity'], output);
    assert.equal(document['wasDerivedFrom']![`${job}/derived/stats/reads`]!['prov:usedEntity'], input);
    const associations = Object.values(document['wasAssociatedWith']!).filter((a) => a['prov:activity'] === job);
    assert.deepEqual(associations.map((a) => a['prov:agent']).sort(), ['narrative:apps/test/relay/1.0.0', 'narrative:users/alice']);
    for (const a of associations) assert.ok(document['entity']![a['prov:plan'] as string], 'each association names a plan the document holds');
    assert.match(read.provn, /wasAssociatedWith\(/);
  });

  it("an object's lineage exports as the same kind of crate (its runs are the steps) and as PROV", async () => {
    const ref = outputsOf(jobs.b)[0]!;
    const lineage = crateGraph(await zipOf(await alice.exportObject(ref)));
    for (const requirement of REQUIREMENTS) assert.doesNotThrow(() => requirement.check(lineage), requirement.name);
    assert.equal(lineage.mainEntity['@id'], 'workflow.json');
    const steps = ids(lineage.mainEntity['step']).map(lineage.entity);
    assert.deepEqual(steps.map((s) => [s['@id'], s['position']]), [[`#step/job-${jobs.a.id}`, 0], [`#step/job-${jobs.b.id}`, 1]]);
    assert.ok(lineage.has(`objects/${ref}/`));
    const file = join(h.home, 'lineage.prov.json');
    await writeFile(file, await (await alice.exportObject(ref, 'prov')).text());
    const read = await readWithPythonProv(file);
    assert.equal(read.same, true);
    assert.deepEqual(normalized(read.written), normalized(JSON.parse(await readFile(file, 'utf8'))));
  });

  it("an object's lineage exports whole, however deep: a copy 110 steps up is in it, with its link", async () => {
    const [from, to] = [(await alice.createWorkspace('alice-origin')).id, (await alice.createWorkspace('alice-deep')).id];
    const origin = await alice.saveObject(from, { name: 'origin', type: 'Report.Report-1.0', data: { title: 'origin' } });
    const chain = [(await alice.copyObject(origin.ref, to)).ref];
    for (let i = 1; i <= 110; i++) chain.push((await alice.saveObject(to, { name: `step-${i}`, type: 'Report.Report-1.0', data: { title: `step ${i}` }, inputs: chain.slice(-1) })).ref);
    const document = JSON.parse(await (await alice.exportObject(chain.at(-1)!, 'prov')).text()) as Record<string, Record<string, Record<string, unknown>>>;
    const entities = Object.keys(document['entity']!).filter((id) => id.startsWith('narrative:objects/')).sort();
    assert.deepEqual(entities, [origin.ref, ...chain].map((ref) => `narrative:objects/${ref}`).sort());
    assert.deepEqual(document['wasDerivedFrom']![`narrative:objects/${chain[0]}/copy`]?.['prov:usedEntity'], `narrative:objects/${origin.ref}`);
  });

  it('narrative export writes a directory and a zip, and PROV to a file', async () => {
    const dir = join(h.home, 'crate-dir');
    const toDir = await runCli(['export', String(narrative.id), '--format', 'ro-crate', '--out', dir], cli);
    assert.equal(toDir.code, 0, toDir.stderr);
    const listed = await readdir(dir, { recursive: true });
    for (const name of ['ro-crate-metadata.json', 'ro-crate-preview.html', 'narrative.ipynb', `objects/${outputsOf(jobs.b)[0]}/files/lines.txt`]) assert.ok(listed.includes(name), name);
    const zip = join(h.home, 'crate.zip');
    const toZip = await runCli(['export', String(narrative.id), '--out', zip], cli);
    assert.equal(toZip.code, 0, toZip.stderr);
    const zipped = crateGraph(await unzip(await readFile(zip)));
    assert.equal(zipped.mainEntity['@id'], 'narrative.ipynb');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'ro-crate-metadata.json'), 'utf8'))['@graph'].length, zipped.metadata['@graph'].length);
    const prov = join(h.home, 'object.prov.json');
    const toProv = await runCli(['export', outputsOf(jobs.a)[0]!, '--format', 'prov', '--out', prov], cli);
    assert.equal(toProv.code, 0, toProv.stderr);
    assert.ok(JSON.parse(await readFile(prov, 'utf8')).activity[`narrative:jobs/${jobs.a.id}`]);
  });

  it('a reader who cannot read the narrative (or object) is refused as GET refuses them', async () => {
    const ref = outputsOf(jobs.b)[0]!.split('/');
    const pairs = [[`/narratives/${narrative.id}`, `/narratives/${narrative.id}/export?format=ro-crate`], [`/objects/${ref[0]}/${ref[1]}`, `/objects/${ref[0]}/${ref[1]}/export?format=prov`]];
    for (const [read, exported] of pairs) {
      for (const token of [h.users.bob!.token, undefined]) {
        const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
        const [plain, refused] = await Promise.all([h.fetch(`/api/v1${read}`, { headers }), h.fetch(`/api/v1${exported}`, { headers })]);
        const [plainProblem, refusedProblem] = [(await plain.json()) as { title: string }, (await refused.json()) as { title: string }];
        assert.equal(refused.status, plain.status, exported);
        assert.ok([401, 403].includes(refused.status));
        assert.equal(refusedProblem.title, plainProblem.title);
      }
    }
    const asBob = await runCli(['export', String(narrative.id), '--out', join(h.home, 'bob.zip')], { ...cli, token: h.users.bob!.token });
    assert.notEqual(asBob.code, 0);
    assert.match(asBob.stderr, /Forbidden/);
  });
});
