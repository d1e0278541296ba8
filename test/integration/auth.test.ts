import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { buildTestApp, uploadReads } from '../support/test-app.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';

/** better-sqlite3 is the server's dependency: load it the way the server package resolves it. */
const requireFromServer = createRequire(createRequire(import.meta.url).resolve('@narrative/server'));
const Database = requireFromServer('better-sqlite3') as typeof BetterSqlite3;

const TOKEN = /^nrt_[A-Za-z0-9_-]{43}$/;
const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Asserts an RFC 9457 problem with this status and a detail; returns it. */
async function problem(res: Response, status: number, what = ''): Promise<{ status: number; detail: string; title: string }> {
  const text = await res.text();
  assert.equal(res.status, status, `${what} expected ${status}, got ${res.status}: ${text}`);
  assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/problem+json', `${what} content type`);
  const body = JSON.parse(text) as { status: number; detail: string; title: string };
  assert.equal(body.status, status);
  assert.equal(typeof body.detail, 'string');
  assert.ok(body.detail.length > 0, `${what} problem has an empty detail`);
  return body;
}

interface SetCookie {
  value: string;
  attributes: string[];
}

function setCookies(res: Response): Map<string, SetCookie> {
  const cookies = new Map<string, SetCookie>();
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const eq = pair!.indexOf('=');
    cookies.set(pair!.slice(0, eq), { value: decodeURIComponent(pair!.slice(eq + 1)), attributes: attributes.map((a) => a.toLowerCase()) });
  }
  return cookies;
}

describe('authentication: tokens, sign-in, sessions', () => {
  let h: Harness;
  let alice: string;
  let bob: string;

  /** Browser sign-in: the session and XSRF cookie values, and a Cookie header carrying both. */
  async function login(credentials: Record<string, string>) {
    const res = await h.fetch('/api/v1/login', json(credentials));
    assert.equal(res.status, 200, await res.clone().text());
    const cookies = setCookies(res);
    const session = cookies.get('narrative_session');
    const xsrf = cookies.get('_xsrf');
    assert.ok(session && xsrf, `login set cookies ${[...cookies.keys()].join(', ')}`);
    return { user: (await res.json()) as unknown, session, xsrf, cookie: `narrative_session=${encodeURIComponent(session.value)}; _xsrf=${encodeURIComponent(xsrf.value)}` };
  }

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.token;
    bob = h.users.bob!.token;
  });
  after(() => h.stop());

  it('stores tokens only as sha256-sized hashes, never the raw token', async () => {
    const extra = await h.users.alice!.client.request<{ token: string }>('POST', '/tokens', { json: { label: 'stored' } });
    const raw = [h.server.adminToken!, alice, bob, extra.token];
    const file = join(h.home, 'narrative.sqlite');
    assert.ok(existsSync(file), `${file} exists`);
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT * FROM tokens').all() as Record<string, unknown>[];
      assert.ok(rows.length >= raw.length, `${rows.length} token rows`);
      for (const row of rows) {
        assert.match(String(row.token_hash), /^[0-9a-f]{64}$/);
        for (const value of Object.values(row)) for (const token of raw) assert.ok(!String(value).includes(token), 'a raw token is stored');
      }
      assert.equal(new Set(rows.map((r) => r.token_hash)).size, rows.length, 'hashes are distinct');
    } finally {
      db.close();
    }
    for (const suffix of ['', '-wal', '-journal']) {
      if (!existsSync(file + suffix)) continue;
      const bytes = readFileSync(file + suffix).toString('latin1');
      for (const token of raw) assert.ok(!bytes.includes(token), `a raw token appears in narrative.sqlite${suffix}`);
    }
  });

  it('tokens carry at least 128 random bits: nrt_ + 43 base64url characters, all distinct', async () => {
    const fresh = await Promise.all([1, 2, 3].map(() => h.users.alice!.client.request<{ token: string }>('POST', '/tokens', { json: {} })));
    const tokens = [h.server.adminToken!, alice, bob, ...fresh.map((t) => t.token)];
    for (const token of tokens) {
      assert.match(token, TOKEN);
      assert.ok(Buffer.from(token.slice(4), 'base64url').length * 8 >= 128);
    }
    assert.equal(new Set(tokens).size, tokens.length);
  });

  it('a revoked token is refused with 401; only its owner can revoke it', async () => {
    const res = await h.fetch('/api/v1/tokens', { ...json({ label: 'ci' }), headers: { 'Content-Type': 'application/json', ...bearer(alice) } });
    assert.equal(res.status, 201);
    const created = (await res.json()) as { id: number; label: string; token: string };
    assert.equal(created.label, 'ci');
    assert.match(created.token, TOKEN);
    const listed = (await (await h.fetch('/api/v1/tokens', { headers: bearer(alice) })).json()) as { id: number; label: string; kind: string }[];
    assert.deepEqual(listed.filter((t) => t.id === created.id).map((t) => [t.label, t.kind]), [['ci', 'api']]);
    assert.ok(!JSON.stringify(listed).includes(created.token), 'listing never shows token values');
    assert.equal((await h.fetch('/api/v1/me', { headers: bearer(created.token) })).status, 200);

    await problem(await h.fetch(`/api/v1/tokens/${created.id}`, { method: 'DELETE', headers: bearer(bob) }), 404, "bob revoking alice's token");
    assert.equal((await h.fetch('/api/v1/me', { headers: bearer(created.token) })).status, 200, 'still valid');
    const revoked = await h.fetch(`/api/v1/tokens/${created.id}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal(revoked.status, 204);
    await problem(await h.fetch('/api/v1/me', { headers: bearer(created.token) }), 401, 'revoked token');
    await problem(await h.fetch(`/api/v1/tokens/${created.id}`, { method: 'DELETE', headers: bearer(alice) }), 404, 'revoking twice');
    assert.equal((await h.fetch('/api/v1/me', { headers: bearer(alice) })).status, 200, "alice's other token still works");
  });

  it('a garbage or malformed Authorization header is a 401, never anonymous', async () => {
    const ws = await h.users.alice!.client.createWorkspace('alice-public');
    await h.users.alice!.client.setPublic(ws.id, true);
    assert.equal((await h.fetch(`/api/v1/workspaces/${ws.id}`)).status, 200, 'anonymous may read a public workspace');
    const bad = ['Bearer garbage', 'Bearer', 'Bearer ', `Bearer ${alice}x`, `Bearer ${alice.slice(0, -1)}`, `Bearer nrt_${'A'.repeat(43)}`, `Bearer ${alice} ${alice}`, `Basic ${Buffer.from('alice:alice-password').toString('base64')}`, alice, ''];
    for (const header of bad) {
      await problem(await h.fetch(`/api/v1/workspaces/${ws.id}`, { headers: { Authorization: header } }), 401, JSON.stringify(header));
      await problem(await h.fetch('/api/v1/me', { headers: { Authorization: header } }), 401, JSON.stringify(header));
    }
  });

  it('accepts Jupyter-style "Authorization: token <t>" and any case of the scheme', async () => {
    for (const scheme of ['token', 'Token', 'bearer', 'BEARER']) {
      const res = await h.fetch('/api/v1/me', { headers: { Authorization: `${scheme} ${alice}` } });
      assert.equal(res.status, 200, scheme);
      assert.deepEqual(await res.json(), { name: 'alice', role: 'user' });
    }
  });

  it('browser login with a password or a token sets an HttpOnly session cookie and an _xsrf cookie', async () => {
    const viaToken = await h.users.alice!.client.me();
    const ways: Record<string, string>[] = [{ name: 'alice', password: 'alice-password' }, { token: alice }];
    for (const credentials of ways) {
      const { user, session, xsrf, cookie } = await login(credentials);
      assert.deepEqual(user, viaToken);
      assert.ok(session.attributes.includes('httponly'), 'the session cookie is HttpOnly');
      assert.ok(session.attributes.includes('path=/'));
      assert.ok(session.attributes.some((a) => a.startsWith('samesite=')));
      assert.ok(!xsrf.attributes.includes('httponly'), 'JupyterLab must be able to read _xsrf');
      assert.ok(xsrf.value.length >= 16);
      assert.notEqual(session.value, alice, 'the API token is never put in a cookie');
      const me = await h.fetch('/api/v1/me', { headers: { Cookie: cookie } });
      assert.equal(me.status, 200);
      assert.deepEqual(await me.json(), viaToken);
    }
  });

  it('a cookie-authenticated POST needs the X-XSRFToken header', async () => {
    const { cookie, xsrf } = await login({ name: 'bob', password: 'bob-password' });
    const create = (name: string, extra: Record<string, string> = {}) =>
      h.fetch('/api/v1/workspaces', { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, ...extra }, body: JSON.stringify({ name }) });
    await problem(await create('bob-no-xsrf'), 403, 'no X-XSRFToken');
    await problem(await create('bob-wrong-xsrf', { 'X-XSRFToken': `${xsrf.value}0` }), 403, 'wrong X-XSRFToken');
    const ok = await create('bob-with-xsrf', { 'X-XSRFToken': xsrf.value });
    assert.equal(ok.status, 201, await ok.clone().text());
    assert.equal(((await ok.json()) as { owner: string }).owner, 'bob');
    const names = (await h.users.bob!.client.listWorkspaces()).map((w) => w.name);
    assert.ok(names.includes('bob-with-xsrf') && !names.includes('bob-no-xsrf') && !names.includes('bob-wrong-xsrf'));
    assert.equal((await h.fetch('/api/v1/workspaces', { headers: { Cookie: cookie } })).status, 200, 'safe methods need no header');
  });

  it('a wrong password, an unknown user or a bad token cannot sign in (401, no cookie)', async () => {
    await h.admin.createUser('nopass', 'user');
    const attempts: Record<string, string>[] = [
      { name: 'alice', password: 'wrong-password' },
      { name: 'alice', password: 'ALICE-PASSWORD' },
      { name: 'nobody', password: 'alice-password' },
      { name: 'nopass', password: '' },
      { token: 'nrt_garbage' },
      { token: `nrt_${'A'.repeat(43)}` },
    ];
    for (const credentials of attempts) {
      const res = await h.fetch('/api/v1/login', json(credentials));
      assert.equal(res.headers.getSetCookie().length, 0, `no cookie for ${JSON.stringify(credentials)}`);
      await problem(res, 401, JSON.stringify(credentials));
    }
  });

  it('POST /logout revokes the session (and an API token used to log out)', async () => {
    const { cookie, xsrf } = await login({ name: 'alice', password: 'alice-password' });
    const out = await h.fetch('/api/v1/logout', { method: 'POST', headers: { Cookie: cookie, 'X-XSRFToken': xsrf.value } });
    assert.equal(out.status, 204);
    const cleared = setCookies(out).get('narrative_session');
    assert.ok(cleared && cleared.value === '', 'the session cookie is cleared');
    await problem(await h.fetch('/api/v1/me', { headers: { Cookie: cookie } }), 401, 'session after logout');

    const { token } = await h.users.alice!.client.request<{ token: string }>('POST', '/tokens', { json: { label: 'short-lived' } });
    assert.equal((await h.fetch('/api/v1/logout', { method: 'POST', headers: bearer(token) })).status, 204);
    await problem(await h.fetch('/api/v1/me', { headers: bearer(token) }), 401, 'token after logout');
    assert.equal((await h.fetch('/api/v1/me', { headers: bearer(alice) })).status, 200, 'other tokens are untouched');
  });

  it('only admins can create users', async () => {
    const body = JSON.stringify({ name: 'eve', role: 'admin', password: 'eve-password' });
    const post = (headers: Record<string, string>) => h.fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    await problem(await post(bearer(alice)), 403, 'plain user');
    await problem(await post({}), 401, 'anonymous');
    const created = await post(bearer(h.server.adminToken!));
    assert.equal(created.status, 201);
    const eve = (await created.json()) as { name: string; role: string; token: string };
    assert.equal(eve.name, 'eve');
    assert.equal(eve.role, 'admin');
    assert.deepEqual(await h.client(eve.token).me(), { name: 'eve', role: 'admin' });
  });

  it('without credentials only health, openapi.json, types and login answer', async () => {
    assert.equal((await h.fetch('/api/v1/health')).status, 200);
    const doc = (await (await h.fetch('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const types = await h.fetch('/api/v1/types');
    assert.equal(types.status, 200);
    assert.ok(((await types.json()) as { id: string }[]).some((t) => t.id === 'Genomics.Reads-1.0'));
    assert.equal((await h.fetch('/api/v1/types/Genomics.Reads-1.0')).status, 200);
    await problem(await h.fetch('/api/v1/me'), 401, 'anonymous /me');

    // Every other operation, aimed at alice's private narrative and workspace, refuses an anonymous caller with 401.
    // POST /jobs/lookup refuses no one: what the caller may not read is only missing from its answer (checked below).
    const open = new Set(['get /health', 'get /openapi.json', 'get /types', 'get /types/{id}', 'post /login', 'post /jobs/lookup']);
    const n = await h.users.alice!.client.createNarrative('private');
    const app = await buildTestApp();
    await h.admin.registerApp(app);
    const reads = await uploadReads(h.users.alice!.client, n.wsid, '@r\nA\n+\nI\n', { filename: 'r.fastq' });
    const job = await h.users.alice!.client.run({ app: app.id, ws: String(n.wsid), inputs: { reads } });
    const contentId = (await h.users.alice!.client.createPublication(n.id)).contentId;
    const values: Record<string, string> = { ws: String(n.wsid), obj: String(n.objid), ver: '1', id: String(n.id), file: 'x.txt', path: encodeURIComponent(n.path), checkpoint: '1', contentId };
    const wrong: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        if (open.has(`${method} ${path}`)) continue;
        const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_m, name: string) => (path.startsWith('/jobs') && name === 'id' ? String(job.id) : (values[name] ?? '1')))}`;
        const hasBody = method !== 'get' && method !== 'delete';
        const res = await h.fetch(url, { method: method.toUpperCase(), ...(hasBody ? { headers: { 'Content-Type': 'application/json' }, body: '{}' } : {}) });
        const type = res.headers.get('content-type')?.split(';')[0];
        const body = (await res.text()).slice(0, 120);
        if (res.status !== 401 || type !== 'application/problem+json' || !/"detail":"[^"]/.test(body)) wrong.push(`${method.toUpperCase()} ${url} -> ${res.status} ${type} ${body}`);
      }
    }
    assert.ok(Object.keys(doc.paths).length > 15, 'the sweep covered the API');
    assert.deepEqual(wrong, [], 'anonymous requests that were not refused with 401');
    assert.deepEqual(await h.anonymous.lookupJobs({ ids: [job.id], cellRuns: n.id }), { jobs: [], missing: [job.id], logs: [], cellRuns: {} });
  });
});
