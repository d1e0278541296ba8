import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, startServer } from '@narrative/server';
import { ApiError, type NarrativeClient } from '@narrative/server/client';
import { bearer, startHarness, type Harness } from '../support/harness.js';

const status = (e: unknown) => (e as ApiError).status;

describe('hardening', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
  });
  after(() => h.stop());

  it('a blob can be attached only by someone who uploaded it, and unknown looks the same as not yours', async () => {
    const secret = 'alice private bytes';
    const sha = createHash('sha256').update(secret).digest('hex');
    await alice.uploadBlob(secret);
    const bobWs = (await bob.createWorkspace('bob-attach')).id;
    const attach = (hash: string) => bob.saveObject(bobWs, { name: 'stolen', type: 'Genomics.Assembly-1.0', data: {}, files: [{ name: 'x.fasta', sha256: hash }] });
    const theirs = await attach(sha).catch((e: ApiError) => e);
    const unknown = await attach('0'.repeat(64)).catch((e: ApiError) => e);
    assert.equal(status(theirs), 400);
    assert.equal((theirs as ApiError).problem.detail.replace(sha, 'X'), (unknown as ApiError).problem.detail.replace('0'.repeat(64), 'X'));
    await bob.uploadBlob(secret);
    assert.equal((await attach(sha)).name, 'stolen', 'having the bytes is having the blob');
  });

  it('a refused upload leaves no attachable blob behind', async () => {
    const ws = (await alice.createWorkspace('alice-refused')).id;
    const bytes = 'refused upload bytes';
    const form = new FormData();
    form.set('name', 'genome');
    form.set('type', 'Genomics.Genome-1.0');
    form.set('file', new Blob([bytes]), 'genes.gff');
    assert.equal(status(await alice.upload(ws, form).catch((e) => e)), 422, 'geneCount is missing');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const save = alice.saveObject(ws, { name: 'g', type: 'Genomics.Genome-1.0', data: { geneCount: 1 }, files: [{ name: 'genes.gff', sha256: sha }] });
    assert.equal(status(await save.catch((e) => e)), 400);
  });

  it("a narrative's notebook object holds only notebooks", async () => {
    const n = await alice.createNarrative('Guarded');
    const replace = alice.saveObject(n.wsid, { name: 'narrative', type: 'Report.Report-1.0', data: { title: 'not a notebook' } });
    const refused = await replace.catch((e: ApiError) => e);
    assert.equal(status(refused), 409);
    assert.match((refused as ApiError).problem.detail, /notebook/);
    const other = await alice.createWorkspace('plain-ws');
    assert.equal((await alice.saveObject(other.id, { name: 'narrative', type: 'Report.Report-1.0', data: { title: 'fine elsewhere' } })).name, 'narrative');
  });

  it('JSON bodies must say application/json, so a cross-site form cannot sign anyone in', async () => {
    const response = await h.fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'alice', password: 'alice-password' }) });
    assert.equal(response.status, 415);
    assert.equal(response.headers.get('set-cookie'), null);
  });

  it('a stale session cookie counts as anonymous and never blocks signing in again', async () => {
    const stale = 'narrative_session=nrt_' + 'A'.repeat(43) + '; _xsrf=abc';
    assert.equal((await h.fetch('/api/v1/health', { headers: { cookie: stale } })).status, 200);
    assert.equal((await h.fetch('/api/v1/me', { headers: { cookie: stale } })).status, 401);
    const login = await h.fetch('/api/v1/login', { method: 'POST', headers: { cookie: stale, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'alice', password: 'alice-password' }) });
    assert.equal(login.status, 200);
  });

  it('sign-in only redirects to paths on this server', async () => {
    const target = async (next: string) => {
      const html = await (await h.fetch(`/login?next=${encodeURIComponent(next)}`)).text();
      return /location\.href = ("[^"]*")/.exec(html)![1];
    };
    assert.equal(await target('/n/3'), '"/n/3"');
    for (const evil of ['//evil.example', '/\\evil.example', 'https://evil.example', '/\u0000x']) assert.equal(await target(evil), '"/lab"', evil);
  });

  it('a path without an id keeps naming the narrative saved there (JupyterLab keeps the path it saved to)', async () => {
    const put = (token: string) =>
      h.fetch('/api/v1/contents/Fresh%20analysis.ipynb', {
        method: 'PUT',
        headers: { ...bearer(token), 'Content-Type': 'text/plain' },
        body: JSON.stringify({ type: 'notebook', format: 'json', content: { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] } }),
      });
    const first = await put(h.users.alice!.token);
    const second = await put(h.users.alice!.token);
    assert.deepEqual([first.status, second.status], [201, 200]);
    const path = ((await first.json()) as { path: string }).path;
    assert.equal(((await second.json()) as { path: string }).path, path);
    const got = await h.fetch('/api/v1/contents/Fresh%20analysis.ipynb', { headers: bearer(h.users.alice!.token) });
    assert.equal(((await got.json()) as { path: string }).path, path);
    assert.equal((await put(h.users.bob!.token)).status, 201, "bob's path names his own narrative, not alice's");
  });
});

describe('the first admin token', () => {
  it('is never lost: if it cannot be kept, no admin is created and the next start tries again', async () => {
    const home = await mkdtemp(join(tmpdir(), 'narrative-bootstrap-'));
    try {
      await mkdir(join(home, 'admin-token'));
      const config = loadConfig({ home, port: 0, logLevel: 'silent' });
      await assert.rejects(startServer(config));
      await rm(join(home, 'admin-token'), { recursive: true });
      const server = await startServer(config);
      try {
        assert.ok(server.adminToken);
        assert.equal((await readFile(join(home, 'admin-token'), 'utf8')).trim(), server.adminToken);
      } finally {
        await server.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
