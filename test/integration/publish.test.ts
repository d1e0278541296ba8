import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildOciArchive } from '@narrative/launcher-native';
import type { Narrative, NarrativeClient, Publication } from '@narrative/server/client';
import { saveAppCells } from '../support/app-cells.js';
import { cliHomeIn, runCli, type CliTarget } from '../support/cli.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, relayApp, uploadReads } from '../support/test-app.js';

const run = promisify(execFile);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const READS = '@r\nACGT\n+\nIIII\n'.repeat(500);
const CONTENT_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * Citable published narratives on the local scheduler: a narrative with a
 * run relay cell, whose reads come from another workspace of its owner's, is
 * published; its archive, downloaded as often as you like, is the same
 * bytes, whose manifest hashes to the content id; a changed notebook is a
 * new publication while the old archive stays as it was; reading one needs
 * read access to both workspaces; `narrative verify-archive` checks an
 * archive and says what it is, and names what broke in a tampered,
 * truncated or extended copy.
 */
describe('publishing a narrative version: a content id, the same archive every time, verify-archive', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let aliceToken: string;
  let narrative: Narrative;
  /** alice's workspace the cell's reads come from: the archive holds data of it too. */
  let readsWs: number;
  let first: Publication;
  let second: Publication;
  let firstArchive: Buffer;
  let firstFile: string;
  let cli: CliTarget;

  const publish = async (token: string | undefined, id = narrative.id) => {
    const response = await h.fetch(`/api/v1/narratives/${id}/publications`, { method: 'POST', headers: token ? bearer(token) : {} });
    return { status: response.status, body: (await response.json()) as Publication & { detail?: string } };
  };
  const get = async (path: string, token: string | undefined) => {
    const response = await h.fetch(path, { headers: token ? bearer(token) : {} });
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
  };
  const manifestOf = async (file: string) => (await run('tar', ['-xOf', file, 'manifest-sha256.txt'], { encoding: 'buffer' })).stdout;
  const currentVersion = async () => Number((await alice.narrative(narrative.id)).ref.split('/')[2]);
  const verify = (args: string[], target: Partial<CliTarget> = {}) => runCli(['verify-archive', ...args], { ...cli, ...target });

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    ({ client: alice, token: aliceToken } = h.users.alice!);
    // The relay app on an image in the server's image store: the archive carries its OCI archive.
    const app = relayApp(await buildTestApp());
    const image = await buildOciArchive(app.container.image.location, join(h.home, 'relay.oci.tar'));
    await h.admin.pushImage(image.digest, new Blob([await readFile(image.location)]));
    await h.admin.registerApp({ ...app, container: { image: { digest: image.digest } } });
    narrative = await alice.createNarrative('Cited counts');
    readsWs = (await alice.createWorkspace('raw-reads')).id;
    const reads = await uploadReads(alice, readsWs, READS);
    const job = await alice.waitForJob((await alice.run({ app: 'test/relay', ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'relay' }, narrative: { id: narrative.id, cell: 'cell-a' } })).id);
    assert.equal(job.state, 'completed');
    await saveAppCells(alice, narrative, [{ id: 'cell-a', app: 'test/relay', version: '1.0.0', params: { mode: 'relay' }, inputs: { reads }, jobId: job.id }]);
    cli = { url: h.server.url, home: await cliHomeIn(h.home), token: aliceToken };
  });
  after(() => h?.stop());

  it('publishes the version (201): its archive is the same bytes at every download, and its manifest hashes to the content id', async () => {
    const published = await publish(aliceToken);
    assert.equal(published.status, 201, published.body.detail);
    first = published.body;
    assert.match(first.contentId, CONTENT_ID);
    assert.deepEqual({ ...first, contentId: '', publishedAt: '', size: 0 }, {
      contentId: '', narrative: narrative.id, version: await currentVersion(), title: 'Cited counts', publishedBy: 'alice', publishedAt: '', size: 0,
      archiveUrl: `/api/v1/publications/${first.contentId}/archive`,
    });
    const download = await get(first.archiveUrl, aliceToken);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/x-tar');
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment; filename="[^"/]+\.tar"$/);
    assert.equal(Number(download.headers.get('content-length')), first.size);
    assert.equal(download.bytes.length, first.size);
    firstArchive = download.bytes;
    firstFile = join(h.home, 'first.tar');
    await writeFile(firstFile, firstArchive);
    assert.equal(`sha256:${sha256(await manifestOf(firstFile))}`, first.contentId);
    const listed = (await run('tar', ['-tf', firstFile])).stdout.split('\n');
    assert.ok(listed.some((p) => /^images\/sha256\/[0-9a-f]{64}\.oci\.tar$/.test(p)), "the app's image is inside");
    assert.ok(listed.some((p) => /^objects\/\d+\/\d+\/1\/files\/reads\.fastq$/.test(p)), 'the reads are inside');
    assert.ok(firstArchive.equals((await get(first.archiveUrl, aliceToken)).bytes), 'the second download is the same bytes');
    assert.deepEqual(await alice.publication(first.contentId), first);
    assert.deepEqual(await alice.publications(narrative.id), [first]);
  });

  it('answers the same publication (200) for the same version, a new one (201) for a changed notebook, and keeps the first archive as it was', async () => {
    const again = await publish(aliceToken);
    assert.deepEqual([again.status, again.body], [200, first]);
    const notebook = (await alice.notebook(narrative.id)) as { cells: unknown[] };
    notebook.cells.push({ id: 'note', cell_type: 'markdown', source: 'Counted once more by hand.', metadata: {} });
    await alice.request('PUT', `/contents/${encodeURIComponent(narrative.path)}`, { json: { type: 'notebook', format: 'json', content: notebook } });
    const changed = await publish(aliceToken);
    assert.equal(changed.status, 201, changed.body.detail);
    second = changed.body;
    assert.notEqual(second.contentId, first.contentId);
    assert.equal(second.version, await currentVersion());
    assert.ok(second.version > first.version);
    assert.deepEqual((await alice.publications(narrative.id)).map((p) => p.contentId), [second.contentId, first.contentId], 'newest first');
    assert.ok(firstArchive.equals((await get(first.archiveUrl, aliceToken)).bytes), 'the first archive is frozen, not rebuilt from the changed narrative');
  });

  it('publishes, lists and downloads with the CLI: the content id printed, the same archive saved', async () => {
    const saved = join(h.home, 'downloaded.tar');
    const [created, listed, downloaded] = await Promise.all([
      runCli(['publication', 'create', String(narrative.id)], cli),
      runCli(['publication', 'list', String(narrative.id), '--json'], cli),
      runCli(['publication', 'download', first.contentId, '--out', saved], cli),
    ]);
    assert.deepEqual([created.code, created.stdout], [0, `${second.contentId}\n`], `the current version is published already: ${created.stderr}`);
    assert.deepEqual(JSON.parse(listed.stdout), [second, first]);
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.ok(firstArchive.equals(await readFile(saved)));
  });

  it('verify-archive passes a downloaded archive and says which narrative version it is; --id must match', async () => {
    const [human, json, same, other, malformed, offline] = await Promise.all([
      verify([firstFile]),
      verify([firstFile, '--json']),
      verify([firstFile, '--id', first.contentId]),
      verify([firstFile, '--id', second.contentId]),
      verify([firstFile, '--id', 'sha256:nope']),
      verify([firstFile], { url: 'http://127.0.0.1:1' }),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^verified: /);
    assert.ok(human.stdout.includes(first.contentId), human.stdout);
    assert.ok(human.stdout.includes(`"Cited counts": narrative ${narrative.id}, notebook version ${first.version}, published by alice at ${first.publishedAt}`), human.stdout);
    const report = JSON.parse(json.stdout) as { verified: boolean; contentId: string; problems: unknown[]; lookup: { publication: Publication } };
    assert.deepEqual([json.code, report.verified, report.contentId, report.problems, report.lookup.publication], [0, true, first.contentId, [], first]);
    assert.equal(same.code, 0, same.stdout);
    assert.equal(other.code, 4, other.stderr);
    assert.match(other.stdout, /^NOT verified: /);
    assert.ok(other.stdout.includes(`not the publication given: --id ${second.contentId}`), other.stdout);
    assert.equal(malformed.code, 2, 'a malformed --id is a usage error');
    assert.equal(offline.code, 0, `offline, the archive is still checked: ${offline.stderr}`);
    assert.match(offline.stdout, /^verified: /);
    assert.match(offline.stdout, /publication: unknown \(http:\/\/127\.0\.0\.1:1: the server could not be reached/);
  });

  it('verify-archive names the file of a copy changed by one byte, of one cut short, and a link appended (exit 4)', async () => {
    const at = firstArchive.indexOf('@r\nACGT') + 1000;
    const tampered = Buffer.from(firstArchive);
    tampered[at] = tampered[at] === 0x41 ? 0x43 : 0x41;
    await writeFile(join(h.home, 'tampered.tar'), tampered);
    await writeFile(join(h.home, 'truncated.tar'), firstArchive.subarray(0, at));
    // Every file as published, and a symlink in the name of one of them: extracted, it would read other bytes.
    const linked = join(h.home, 'linked');
    await mkdir(linked);
    await writeFile(join(linked, 'linked.tar'), firstArchive);
    await symlink('/etc/hostname', join(linked, 'archive.json'));
    await run('tar', ['--append', '--file', 'linked.tar', 'archive.json'], { cwd: linked });
    const [changed, cut, link] = await Promise.all([verify([join(h.home, 'tampered.tar')]), verify([join(h.home, 'truncated.tar')]), verify([join(linked, 'linked.tar')])]);
    assert.equal(changed.code, 4, changed.stderr);
    assert.match(changed.stdout, /^ {2}objects\/\d+\/\d+\/1\/files\/reads\.fastq: its sha256 differs/m);
    assert.equal(cut.code, 4, cut.stderr);
    assert.match(cut.stdout, /^ {2}objects\/\d+\/\d+\/1\/files\/reads\.fastq: the archive is truncated/m);
    assert.equal(link.code, 4, link.stdout);
    assert.match(link.stdout, /^NOT verified: /);
    assert.match(link.stdout, /archive\.json is not a regular file/);
  });

  it('lets no one without access publish or read the publications; an unknown id is 404 (401 anonymously), a malformed one 400', async () => {
    const bob = h.users.bob!.token;
    assert.equal((await publish(bob)).status, 403);
    for (const path of [`/api/v1/publications/${first.contentId}`, first.archiveUrl, `/api/v1/narratives/${narrative.id}/publications`]) {
      assert.equal((await get(path, bob)).status, 403, `${path} as bob`);
      assert.equal((await get(path, undefined)).status, 401, `${path} anonymously`);
    }
    assert.equal((await publish(undefined)).status, 401);
    assert.equal((await get(`/api/v1/publications/sha256:${'0'.repeat(64)}`, aliceToken)).status, 404);
    assert.equal((await get(`/api/v1/publications/sha256:${'0'.repeat(64)}`, undefined)).status, 401, 'anonymous callers learn nothing of what exists');
    assert.equal((await get('/api/v1/publications/sha256:xyz', aliceToken)).status, 400);
    assert.equal((await get('/api/v1/publications/sha256:xyz', undefined)).status, 400);
  });

  it('lets a reader of the narrative read its publication only once they may read the workspace its input came from too; anonymous once both are public', async () => {
    const bob = h.users.bob!.token;
    const reads = [`/api/v1/publications/${first.contentId}`, first.archiveUrl];
    await alice.shareNarrative(narrative.id, { user: 'bob', level: 'read' });
    assert.equal((await get(`/api/v1/narratives/${narrative.id}/publications`, bob)).status, 200, 'the list is the narrative\'s');
    for (const path of reads) {
      const refused = await get(path, bob);
      assert.equal(refused.status, 403, `${path} as a reader of the narrative alone`);
      assert.match(JSON.parse(refused.bytes.toString()).detail, new RegExp(`workspace ${readsWs}\\b`));
    }
    await alice.setPermission(readsWs, 'bob', 'read');
    assert.deepEqual(await h.users.bob!.client.publication(first.contentId), first);
    assert.ok(firstArchive.equals((await get(first.archiveUrl, bob)).bytes));
    assert.equal((await publish(bob)).status, 403, 'reading is not publishing');
    await alice.setPublic(narrative.wsid, true);
    for (const path of reads) assert.equal((await get(path, undefined)).status, 401, `${path} anonymously, its input's workspace private`);
    await alice.setPublic(readsWs, true);
    assert.equal((await get(reads[0]!, undefined)).status, 200);
    assert.ok(firstArchive.equals((await get(first.archiveUrl, undefined)).bytes), 'anonymously, all of it public');
  });

  it('answers 410 naming the piece of an archive gone from the blob store, still says what the publication is, and cuts off an archive whose piece changed', async () => {
    const manifest = (await manifestOf(firstFile)).toString().split('\n');
    const blobOf = (suffix: string) => join(h.home, 'blobs', ...((sha) => [sha.slice(0, 2), sha])(manifest.find((l) => l.endsWith(suffix))!.slice(0, 64)));
    const blob = manifest.find((l) => l.endsWith('  ro-crate-metadata.json'))!.slice(0, 64);
    await rm(blobOf('  ro-crate-metadata.json'));
    const gone = await get(first.archiveUrl, aliceToken);
    assert.equal(gone.status, 410);
    assert.match(JSON.parse(gone.bytes.toString()).detail, new RegExp(`ro-crate-metadata\\.json \\(sha256 ${blob}\\) is no longer in the blob store`));
    assert.deepEqual(await alice.publication(first.contentId), first);
    assert.equal((await get(second.archiveUrl, aliceToken)).status, 200, 'the other publication keeps its own pieces');
    const reads = blobOf('/files/reads.fastq');
    await writeFile(reads, Buffer.alloc((await readFile(reads)).length, 'N'));
    const changed = await h.fetch(second.archiveUrl, { headers: bearer(aliceToken) });
    assert.equal(changed.status, 200, 'the change is seen only once its bytes are read');
    await assert.rejects(changed.arrayBuffer(), 'the archive is cut off before its manifest, not sent whole with other bytes');
    // A new version would hold the damaged blob: refused as the corruption it is, not published under the damage's own hash.
    const notebook = (await alice.notebook(narrative.id)) as { cells: unknown[] };
    notebook.cells.push({ id: 'later', cell_type: 'markdown', source: 'Published after the damage.', metadata: {} });
    await alice.request('PUT', `/contents/${encodeURIComponent(narrative.path)}`, { json: { type: 'notebook', format: 'json', content: notebook } });
    assert.equal((await publish(aliceToken)).status, 500);
    assert.deepEqual((await alice.publications(narrative.id)).map((p) => p.contentId), [second.contentId, first.contentId]);
  });
});
