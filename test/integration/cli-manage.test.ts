import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError, type Lineage, type MyObject, type Narrative, type ObjectInfo, type ObjectVersion } from '@narrative/server/client';
import { runCli, type CliRun } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
type Problem = { title: string; detail: string; status?: number };

/** Every byte value, many times over: more than one read's worth, so the download streams in many chunks. */
const BIG = Buffer.concat([Buffer.from('@r1\nACGT\n+\nIIII\n'), Buffer.alloc(3 * 1024 * 1024 + 7, Buffer.from(Array.from({ length: 256 }, (_, i) => i)))]);
const MATE = Buffer.from('@r1/2\nTTGCA\n+\nIIIII\n');

describe('narrative CLI: objects, narratives and tokens to manage (the compiled binary against a real server)', () => {
  let h: Harness;
  let dir: string;
  let alice: string;
  let bob: string;
  let first: Narrative;
  let second: Narrative;
  let readsRef: string;

  const run = (args: string[], token: string): Promise<CliRun> => runCli(args, { url: h.server.url, home: dir, token, timeoutMs: 60_000 });

  async function json<T>(args: string[], token = alice): Promise<T> {
    const r = await run([...args, '--json'], token);
    assert.equal(r.code, 0, `narrative ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Expects exit `code` and one JSON document naming the problem, with a message in words on stderr. */
  async function fails(args: string[], code: number, token = alice): Promise<Problem> {
    const r = await run([...args, '--json'], token);
    assert.equal(r.code, code, `narrative ${args.join(' ')} should exit ${code}: ${r.stdout}${r.stderr}`);
    const { error } = JSON.parse(r.stdout) as { error: Problem };
    assert.ok(error.detail.length > 0);
    assert.match(r.stderr, /^narrative: /);
    return error;
  }

  const status = (code: number) => (e: unknown) => e instanceof ApiError && e.status === code;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.token;
    bob = h.users.bob!.token;
    dir = await mkdtemp(join(tmpdir(), 'narrative-cli-manage-'));
    await writeFile(join(dir, 'big.fastq'), BIG);
    await writeFile(join(dir, 'mate.fastq'), MATE);
    first = await json<Narrative>(['create', 'First study']);
    second = await json<Narrative>(['create', 'Second study']);
    readsRef = (await json<ObjectInfo>(['upload', join(dir, 'big.fastq'), '--type', 'Genomics.Reads-1.0', '--ws', String(first.wsid), '--name', 'reads'])).ref;
    await h.users.alice!.client.saveObject(second.wsid, { name: 'notes', type: 'Report.Report-1.0', data: { title: 'two' } });
  });
  after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('object list', () => {
    it('lists the objects of both narratives, each naming its narrative, and no notebook', async () => {
      const list = await json<MyObject[]>(['object', 'list']);
      assert.deepEqual(list.map((o) => [o.narrative.title, o.name, o.ref]).sort(), [
        ['First study', 'reads', readsRef],
        ['Second study', 'notes', `${second.wsid}/2/1`],
      ]);
      assert.deepEqual(list.find((o) => o.name === 'reads')!.narrative, { id: first.id, title: 'First study', level: 'admin', published: false });
      const human = await run(['object', 'list'], alice);
      assert.equal(human.code, 0);
      assert.match(human.stdout, /^ref\s+name\s+type/);
      assert.ok(human.stdout.includes(readsRef) && human.stdout.includes(`${first.id} First study`), human.stdout);
    });

    it('--type and --narrative narrow it; --narrative needs only read access', async () => {
      assert.deepEqual((await json<MyObject[]>(['object', 'list', '--type', 'Genomics.Reads'])).map((o) => o.ref), [readsRef]);
      assert.deepEqual((await json<MyObject[]>(['object', 'list', '--narrative', String(second.id)])).map((o) => o.name), ['notes']);
      assert.deepEqual(await json<MyObject[]>(['object', 'list', '--narrative', String(second.id), '--type', 'Genomics.']), []);

      await h.users.alice!.client.shareNarrative(first.id, { user: 'bob', level: 'read' });
      assert.deepEqual(await json<MyObject[]>(['object', 'list'], bob), [], "my data holds only narratives I may edit");
      assert.deepEqual((await json<MyObject[]>(['object', 'list', '--narrative', String(first.id)], bob)).map((o) => o.ref), [readsRef]);
      assert.equal((await fails(['object', 'list', '--narrative', String(second.id)], 1, bob)).status, 403, 'not shared with bob');
      await fails(['object', 'list', '--narrative', 'two'], 2);
    });
  });

  describe('object download', () => {
    it('writes exactly the uploaded bytes, and leaves no partial file', async () => {
      const out = join(dir, 'got.fastq');
      const result = await json<{ ref: string; file: string; out: string; bytes: number; sha256: string }>(['object', 'download', readsRef, '-o', out]);
      assert.deepEqual(result, { ref: readsRef, file: 'big.fastq', out, bytes: BIG.length, sha256: sha256(BIG) });
      assert.ok((await readFile(out)).equals(BIG), 'the downloaded bytes are the uploaded file');
      assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.partial')));
    });

    it('of several files takes --file; refuses to guess, and a version with none', async () => {
      const pair = await json<ObjectInfo>(['upload', join(dir, 'big.fastq'), join(dir, 'mate.fastq'), '--type', 'Genomics.Reads-1.0', '--ws', String(first.wsid), '--name', 'pair', '--data', '{"paired":true}']);
      const guess = await fails(['object', 'download', pair.ref, '-o', join(dir, 'x')], 2);
      assert.match(guess.detail, /big\.fastq, mate\.fastq.*--file/);
      await fails(['object', 'download', pair.ref, '--file', 'other.fastq', '-o', join(dir, 'x')], 2);
      const out = join(dir, 'mate-copy.fastq');
      await json(['object', 'download', `${first.wsid}/pair`, '--file', 'mate.fastq', '--out', out]);
      assert.ok((await readFile(out)).equals(MATE));
      assert.match((await fails(['object', 'download', `${second.wsid}/notes`, '-o', join(dir, 'y')], 2)).detail, /no files/);
      assert.equal((await fails(['object', 'download', readsRef, '-o', join(dir, 'z')], 1, `nrt_${'A'.repeat(43)}`)).status, 401);
      assert.ok(!(await readdir(dir)).some((f) => ['x', 'y', 'z'].includes(f)), 'a refused download writes nothing');
    });
  });

  describe('object revert and lineage', () => {
    let v1: ObjectInfo;

    it('revert saves the old version again as a new one with the old data', async () => {
      const client = h.users.alice!.client;
      v1 = await client.saveObject(second.wsid, { name: 'draft', type: 'Report.Report-1.0', data: { title: 'first words' } });
      await client.saveObject(second.wsid, { name: 'draft', type: 'Report.Report-1.0', data: { title: 'second thoughts' } });
      const object = `${second.wsid}/${v1.objid}`;
      const reverted = await json<ObjectInfo>(['object', 'revert', object, '1']);
      assert.equal(reverted.ref, `${object}/3`);
      assert.equal(reverted.revertedFrom, v1.ref);
      assert.equal(reverted.latest, true);
      const got = await json<ObjectVersion>(['object', 'get', reverted.ref]);
      assert.deepEqual(got.data, (await client.getObject(v1.ref)).data);
      assert.deepEqual(got.data, { title: 'first words' });
      assert.deepEqual((await client.history(object)).map((v) => v.ver), [1, 2, 3]);
    });

    it('revert refuses an ambiguous ref, a missing version and a reader, saving nothing', async () => {
      const object = `${second.wsid}/${v1.objid}`;
      assert.match((await fails(['object', 'revert', `${object}/2`, '1'], 2)).detail, /version 2/);
      await fails(['object', 'revert', object, 'one'], 2);
      assert.equal((await fails(['object', 'revert', object, '9'], 1)).status, 404);
      await h.users.alice!.client.shareNarrative(second.id, { user: 'bob', level: 'read' });
      assert.equal((await fails(['object', 'revert', object, '2'], 1, bob)).status, 403);
      assert.deepEqual((await h.users.alice!.client.history(object)).map((v) => v.ver), [1, 2, 3]);
    });

    it('lineage shows the revert as a link from the old version to the new', async () => {
      const lineage = await json<Lineage>(['object', 'lineage', `${second.wsid}/${v1.objid}/3`]);
      assert.equal(lineage.root, `${second.wsid}/${v1.objid}/3`);
      assert.deepEqual(lineage.edges, [{ from: v1.ref, to: lineage.root, relation: 'revert' }]);
      assert.deepEqual(lineage.nodes.map((n) => [n.ref, n.name]).sort(), [[v1.ref, 'draft'], [lineage.root, 'draft']]);
      const down = await json<Lineage>(['object', 'lineage', v1.ref, '--direction', 'descendants']);
      assert.deepEqual(down.edges.map((e) => e.to), [lineage.root]);
      const human = await run(['object', 'lineage', lineage.root], alice);
      assert.ok(human.stdout.includes(`${v1.ref} -> ${lineage.root} (revert)`), human.stdout);
      await fails(['object', 'lineage', v1.ref, '--direction', 'sideways'], 2);
      await fails(['object', 'lineage', v1.ref, '--depth', '0'], 2);
    });

    it('lineage follows the whole of a chain deeper than the old default of 20 steps; --depth stops short', async () => {
      const client = h.users.alice!.client;
      const wsid = (await client.createWorkspace('alice-chain')).id;
      const chain: string[] = [];
      for (let i = 0; i < 25; i++) chain.push((await client.saveObject(wsid, { name: `step-${i}`, type: 'Report.Report-1.0', data: { title: `step ${i}` }, inputs: chain.slice(-1) })).ref);
      const whole = await json<Lineage>(['object', 'lineage', chain.at(-1)!, '--direction', 'ancestors']);
      assert.deepEqual(whole.nodes.map((n) => n.ref), chain);
      assert.equal(whole.edges.length, 24);
      const shallow = await json<Lineage>(['object', 'lineage', chain.at(-1)!, '--direction', 'ancestors', '--depth', '3']);
      assert.deepEqual(shallow.nodes.map((n) => n.ref), chain.slice(-4));
      assert.deepEqual(shallow.edges.map((e) => e.to).sort(), chain.slice(-3).sort());
    });
  });

  describe('rename and delete', () => {
    it('rename gives a new title, stamped in a new notebook version as the lab does', async () => {
      const before = await h.users.alice!.client.narrative(first.id);
      const renamed = await json<Narrative>(['rename', String(first.id), 'Soil, revisited']);
      assert.equal(renamed.title, 'Soil, revisited');
      assert.equal(renamed.path, `Soil, revisited (${first.id}).ipynb`);
      assert.equal(Number(renamed.ref.split('/')[2]), Number(before.ref.split('/')[2]) + 1);
      const notebook = await h.users.alice!.client.notebook(first.id);
      assert.equal((notebook.metadata as { narrative: { title: string } }).narrative.title, 'Soil, revisited');
      const contents = await h.fetch(`/api/v1/contents/${encodeURIComponent(renamed.path)}?content=0`, { headers: { Authorization: `Bearer ${alice}` } });
      assert.equal(contents.status, 200, 'the lab finds it under its new name');
    });

    it('rename refuses a reader and a bad title, changing nothing', async () => {
      assert.equal((await fails(['rename', String(first.id), 'Mine now'], 1, bob)).status, 403);
      assert.equal((await fails(['rename', String(first.id), 'a/b'], 1)).status, 400);
      assert.equal((await h.users.alice!.client.narrative(first.id)).title, 'Soil, revisited');
    });

    it('delete asks first (no terminal: refuses), and with --yes deletes: the narrative is gone, its objects stay', async () => {
      const doomed = await json<Narrative>(['create', 'Doomed']);
      const kept = await h.users.alice!.client.saveObject(doomed.wsid, { name: 'kept', type: 'Report.Report-1.0', data: { title: 'kept' } });
      assert.match((await fails(['delete', String(doomed.id)], 2)).detail, /--yes/);
      assert.equal((await h.users.alice!.client.narrative(doomed.id)).id, doomed.id, 'not deleted without --yes');
      assert.equal((await fails(['delete', String(doomed.id), '--yes'], 1, bob)).status, 403, 'not shared with bob');

      assert.deepEqual(await json(['delete', String(doomed.id), '--yes']), { id: doomed.id, title: 'Doomed', deleted: true });
      await assert.rejects(h.users.alice!.client.narrative(doomed.id), status(404));
      assert.equal((await h.users.alice!.client.getObject(kept.ref)).ref, kept.ref, 'its objects stay, readable by ref');
      assert.equal((await fails(['delete', String(doomed.id), '--yes'], 1)).status, 404);
      await fails(['delete', 'x', '--yes'], 2);
    });

    it('delete needs admin access: a writer is refused', async () => {
      await h.users.alice!.client.shareNarrative(second.id, { user: 'bob', level: 'write' });
      assert.equal((await fails(['delete', String(second.id), '--yes'], 1, bob)).status, 403);
      assert.equal((await h.users.alice!.client.narrative(second.id)).id, second.id);
    });
  });

  describe('tokens', () => {
    it('create prints the value once with a warning; it works; list never shows values; revoke makes it fail with 401', async () => {
      const r = await run(['token', 'create', 'laptop', '--json'], alice);
      assert.equal(r.code, 0, r.stderr);
      const created = JSON.parse(r.stdout) as { id: number; label: string; token: string };
      assert.equal(created.label, 'laptop');
      assert.match(created.token, /^nrt_/);
      assert.match(r.stderr, /shown only once/);
      assert.deepEqual(await h.client(created.token).me(), { name: 'alice', role: 'user' });

      const listed = await run(['token', 'list', '--json'], created.token);
      const tokens = JSON.parse(listed.stdout) as Record<string, unknown>[];
      assert.ok(tokens.some((t) => t.id === created.id && t.label === 'laptop'));
      assert.ok(tokens.every((t) => !('token' in t)));
      const human = await run(['token', 'list'], alice);
      assert.ok(human.stdout.includes('laptop'), human.stdout);
      for (const text of [listed.stdout, human.stdout]) assert.ok(!text.includes(created.token) && !text.includes(alice), 'no token value is ever listed');

      assert.equal((await fails(['token', 'revoke', String(created.id)], 1, bob)).status, 404, "bob cannot revoke alice's token");
      assert.deepEqual(await json(['token', 'revoke', String(created.id)]), { id: created.id, revoked: true });
      await assert.rejects(h.client(created.token).me(), status(401));
      assert.equal((await fails(['workspace', 'list'], 1, created.token)).status, 401);
      assert.ok(!(await json<{ id: number }[]>(['token', 'list'])).some((t) => t.id === created.id));
      assert.equal((await fails(['token', 'revoke', String(created.id)], 1)).status, 404);
      await fails(['token', 'revoke', '0x1'], 2);
    });

    it('create in words shows the value and the warning', async () => {
      const r = await run(['token', 'create', 'ci'], alice);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^token\s+nrt_\S+$/m);
      assert.match(r.stderr, /shown only once/);
    });
  });
});
