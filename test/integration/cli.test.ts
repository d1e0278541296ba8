import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliRun } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const REF = /^\d+\/\d+\/\d+$/;

type Run = CliRun;

interface CliError {
  error: { title: string; detail: string; status?: number };
}

describe('narrative CLI (the compiled binary against a real server)', () => {
  let h: Harness;
  let home: string;
  let readsFile: string;
  const readsBytes = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nGGGTTTCCCA\n+\nIIIIIIIIII\n';
  let carolToken: string;

  const run = (args: string[], token?: string, input?: string): Promise<Run> => runCli(args, { url: h.server.url, home, ...(token ? { token } : {}), ...(input === undefined ? {} : { input }), timeoutMs: 30_000 });

  /** Runs with --json, expects success, and parses stdout as exactly one JSON document. */
  async function json<T = Record<string, unknown>>(args: string[], token = carolToken, input?: string): Promise<T> {
    const r = await run([...args, '--json'], token, input);
    assert.equal(r.code, 0, `narrative ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout) as T;
  }

  /** Runs with --json, expects a non-zero exit and one JSON document with an `error` problem. */
  async function fails(args: string[], token = carolToken): Promise<CliError['error']> {
    const r = await run([...args, '--json'], token);
    assert.notEqual(r.code, 0, `narrative ${args.join(' ')} should fail, printed ${r.stdout}`);
    let doc: CliError;
    try {
      doc = JSON.parse(r.stdout) as CliError;
    } catch {
      assert.fail(`narrative ${args.join(' ')} --json printed no JSON document on stdout: ${JSON.stringify(r.stdout)} (stderr: ${r.stderr.trim()})`);
    }
    assert.ok(doc.error, `no error key in ${r.stdout}`);
    assert.equal(typeof doc.error.detail, 'string');
    assert.ok(doc.error.detail.length > 0);
    assert.match(r.stderr, /narrative/, 'a human message goes to stderr too');
    return doc.error;
  }

  before(async () => {
    h = await startHarness(['bob']);
    home = await mkdtemp(join(tmpdir(), 'narrative-cli-home-'));
    readsFile = join(home, 'reads.fastq');
    await writeFile(readsFile, readsBytes);
  });
  after(async () => {
    await h.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('user add --role developer prints {name, role, token}, and the token works', async () => {
    const created = await json<{ name: string; role: string; token: string }>(['user', 'add', 'carol', '--role', 'developer'], h.server.adminToken!);
    assert.deepEqual(Object.keys(created).sort(), ['name', 'role', 'token']);
    assert.equal(created.name, 'carol');
    assert.equal(created.role, 'developer');
    assert.match(created.token, /^nrt_[A-Za-z0-9_-]{43}$/);
    carolToken = created.token;
    assert.deepEqual(await h.client(carolToken).me(), { name: 'carol', role: 'developer' });
  });

  it('user add --password-stdin lets that user sign in with POST /api/v1/login', async () => {
    const created = await json<{ name: string; role: string }>(['user', 'add', 'dave', '--password-stdin'], h.server.adminToken!, 'dave-secret-words\n');
    assert.equal(created.name, 'dave');
    assert.equal(created.role, 'user', 'the default role is user');
    const login = (password: string) => h.fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'dave', password }) });
    const ok = await login('dave-secret-words');
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { name: 'dave', role: 'user' });
    assert.ok(ok.headers.getSetCookie().some((c) => c.startsWith('narrative_session=')));
    const bad = await login('dave-secret-words\n');
    assert.equal(bad.status, 401, 'the trailing newline of stdin is not part of the password');
    assert.equal(bad.headers.get('content-type')?.split(';')[0], 'application/problem+json');
    assert.ok(((await bad.json()) as { detail?: string }).detail);
  });

  it('a non-admin cannot add users: non-zero exit and a JSON error', async () => {
    const error = await fails(['user', 'add', 'mallory'], carolToken);
    assert.equal(error.status, 403);
  });

  describe('narratives and objects', () => {
    let narrative: { id: number; wsid: number; title: string; owner: string; ref: string };
    let ref: string;
    let scratch: { id: number; name: string };

    it('create <title> prints the narrative with its id and workspace', async () => {
      narrative = await json(['create', 'CLI narrative']);
      assert.ok(Number.isInteger(narrative.id) && narrative.id > 0);
      assert.ok(Number.isInteger(narrative.wsid) && narrative.wsid > 0);
      assert.equal(narrative.title, 'CLI narrative');
      assert.equal(narrative.owner, 'carol');
      assert.match(narrative.ref, new RegExp(`^${narrative.wsid}/\\d+/\\d+$`));
    });

    it('upload stores the file as a typed object; object get shows data, files and upload provenance', async () => {
      const uploaded = await json<{ ref: string; name: string; type: string }>(['upload', readsFile, '--type', 'Genomics.Reads-1.0', '--ws', String(narrative.wsid), '--name', 'reads', '--data', '{"format":"fastq","readCount":2}']);
      assert.match(uploaded.ref, REF);
      assert.ok(uploaded.ref.startsWith(`${narrative.wsid}/`));
      assert.ok(uploaded.ref.endsWith('/1'), 'a new object starts at version 1');
      assert.equal(uploaded.name, 'reads');
      assert.equal(uploaded.type, 'Genomics.Reads-1.0');
      ref = uploaded.ref;

      const got = await json<{ ref: string; data: unknown; files: { name: string; sha256: string; size: number }[]; provenance: { kind: string; user: string; sourceFiles?: { filename: string; sha256: string; size: number }[] } }>(['object', 'get', ref]);
      assert.equal(got.ref, ref);
      const data = got.data as { format?: string; readCount?: number; paired?: boolean };
      assert.equal(data.format, 'fastq');
      assert.equal(data.readCount, 2);
      assert.equal(data.paired, false, "the type's default is filled in");
      assert.deepEqual(got.files, [{ name: 'reads.fastq', sha256: sha256(readsBytes), size: Buffer.byteLength(readsBytes) }]);
      assert.equal(got.provenance.kind, 'upload');
      assert.equal(got.provenance.user, 'carol');
      assert.deepEqual(got.provenance.sourceFiles, [{ filename: 'reads.fastq', sha256: sha256(readsBytes), size: Buffer.byteLength(readsBytes) }]);
      const download = await h.client(carolToken).downloadFile(ref, 'reads.fastq');
      assert.equal(await download.text(), readsBytes, 'the stored bytes are the file');
    });

    it('object history lists every version after a second upload of the same name', async () => {
      const second = await json<{ ref: string }>(['upload', readsFile, '--type', 'Genomics.Reads-1.0', '--ws', String(narrative.wsid), '--name', 'reads']);
      const [ws, obj] = ref.split('/');
      assert.equal(second.ref, `${ws}/${obj}/2`);
      const history = await json<{ ref: string; ver: number; latest: boolean }[]>(['object', 'history', ref]);
      assert.ok(Array.isArray(history));
      assert.deepEqual(history.map((v) => v.ref).sort(), [`${ws}/${obj}/1`, `${ws}/${obj}/2`]);
      assert.deepEqual(history.filter((v) => v.latest).map((v) => v.ver), [2]);
    });

    it('workspace create and list', async () => {
      scratch = await json(['workspace', 'create', 'carol-scratch']);
      assert.equal(scratch.name, 'carol-scratch');
      const list = await json<{ id: number; name: string; level: string; narrativeId: number | null }[]>(['workspace', 'list']);
      const mine = new Map(list.map((w) => [w.id, w]));
      assert.equal(mine.get(scratch.id)?.level, 'admin');
      assert.equal(mine.get(scratch.id)?.narrativeId, null);
      assert.equal(mine.get(narrative.wsid)?.narrativeId, narrative.id, 'the narrative workspace is listed too');
      const bobs = await json<{ id: number }[]>(['workspace', 'list'], h.users.bob!.token);
      assert.ok(!bobs.some((w) => w.id === scratch.id || w.id === narrative.wsid), 'bob sees none of carol\'s workspaces');
    });

    it('object copy --to records copiedFrom and keeps the provenance', async () => {
      const copy = await json<{ ref: string; wsid: number; copiedFrom: string | null }>(['object', 'copy', ref, '--to', String(scratch.id)]);
      assert.equal(copy.wsid, scratch.id);
      assert.match(copy.ref, new RegExp(`^${scratch.id}/\\d+/1$`));
      assert.equal(copy.copiedFrom, ref);
      const got = await json<{ files: { sha256: string }[]; provenance: { kind: string; copiedFrom?: string } }>(['object', 'get', copy.ref]);
      assert.equal(got.provenance.kind, 'upload');
      assert.equal(got.provenance.copiedFrom, ref);
      assert.equal(got.files[0]?.sha256, sha256(readsBytes));
    });

    it('share with a user, copy as that user, share publicly, publish, list narratives', async () => {
      const bob = h.users.bob!.token;
      const shared = await json<{ id: number; level: string }>(['share', String(narrative.id), 'bob', 'read']);
      assert.equal(shared.id, narrative.id);
      const bobsList = await json<{ id: number; level: string; owner: string }[]>(['narratives'], bob);
      assert.deepEqual(bobsList.filter((n) => n.id === narrative.id).map((n) => [n.owner, n.level]), [['carol', 'read']]);

      const copy = await json<{ id: number; wsid: number; owner: string; copiedFrom: number | null; level: string }>(['copy', String(narrative.id)], bob);
      assert.notEqual(copy.id, narrative.id);
      assert.notEqual(copy.wsid, narrative.wsid);
      assert.equal(copy.owner, 'bob');
      assert.equal(copy.level, 'admin');
      assert.equal(copy.copiedFrom, narrative.id);
      const copiedReads = await json<{ copiedFrom: string | null; files: { sha256: string }[] }>(['object', 'get', `${copy.wsid}/reads`], bob);
      assert.match(copiedReads.copiedFrom ?? '', new RegExp(`^${narrative.wsid}/`), 'the data came along with the copy');
      assert.equal(copiedReads.files[0]?.sha256, sha256(readsBytes));

      const pub = await json<{ public: boolean; published: boolean }>(['share', String(narrative.id), '--public']);
      assert.equal(pub.public, true);
      assert.equal(pub.published, false);
      assert.equal((await h.anonymous.narrative(narrative.id)).id, narrative.id, 'anyone can read a public narrative');

      const published = await json<{ public: boolean; published: boolean }>(['publish', String(narrative.id)]);
      assert.equal(published.published, true);
      assert.equal(published.public, true);
      const error = await fails(['upload', readsFile, '--type', 'Genomics.Reads-1.0', '--ws', String(narrative.wsid), '--name', 'late']);
      assert.equal(error.status, 409, 'a published workspace is read-only');

      const carols = await json<{ id: number; published?: boolean }[]>(['narratives']);
      assert.ok(Array.isArray(carols));
      assert.deepEqual(carols.map((n) => n.id), [narrative.id]);
      const bobs = await json<{ id: number }[]>(['narratives'], bob);
      assert.deepEqual(bobs.map((n) => n.id).sort((a, b) => a - b), [narrative.id, copy.id].sort((a, b) => a - b));
    });

    it('errors: unknown type, unknown ref, bad usage, missing file', async () => {
      const unknownType = await fails(['upload', readsFile, '--type', 'Nope.Nothing-1.0', '--ws', String(scratch.id), '--name', 'x']);
      assert.ok(unknownType.status !== undefined && unknownType.status >= 400 && unknownType.status < 500, `status ${unknownType.status}`);
      assert.match(unknownType.detail, /Nope\.Nothing-1\.0/);

      const unknownRef = await fails(['object', 'get', `${scratch.id}/9999/1`]);
      assert.equal(unknownRef.status, 404);
      const unknownWs = await fails(['object', 'get', '999999/1/1']);
      assert.equal(unknownWs.status, 404);

      await fails(['share', String(narrative.id), 'bob', 'superuser']);
      await fails(['share', 'not-a-number', 'bob', 'read']);
      await fails(['upload', join(home, 'missing.fastq'), '--type', 'Genomics.Reads-1.0', '--ws', String(scratch.id), '--name', 'y']);
    });

    it('errors: a missing required option exits non-zero with a JSON error', async () => {
      const noName = await fails(['upload', readsFile, '--type', 'Genomics.Reads-1.0', '--ws', String(scratch.id)]);
      assert.match(noName.detail, /--name/);
      const noTo = await fails(['object', 'copy', ref]);
      assert.match(noTo.detail, /--to/);
      const objects = await h.client(carolToken).listObjects(scratch.id);
      assert.ok(!objects.items.some((o) => o.name !== 'reads'), 'nothing was saved by the failed commands');
    });

    it('without a token the server refuses: exit non-zero and a 401 problem', async () => {
      const error = await fails(['workspace', 'list'], '');
      assert.equal(error.status, 401);
    });
  });
});
