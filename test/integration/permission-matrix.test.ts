import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildOciArchive } from '@narrative/launcher-native';
import type { NarrativeClient } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

/**
 * Every endpoint × every kind of caller × every workspace state. The needed
 * level of each endpoint is written here by hand, apart from the routes'
 * own declarations, so a wrong declaration fails this test.
 */
type Need = 'public' | 'user' | 'admin-role' | 'developer-role' | 'read' | 'write' | 'admin';
type Caller = 'anonymous' | 'none' | 'read' | 'write' | 'admin';
type State = 'private' | 'public' | 'published';
const CALLERS: Caller[] = ['anonymous', 'none', 'read', 'write', 'admin'];
const STATES: State[] = ['private', 'public', 'published'];
const USER_OF: Record<Exclude<Caller, 'anonymous'>, string> = { none: 'carol', read: 'bob', write: 'dave', admin: 'erin' };
const ORDER = { none: 0, read: 1, write: 2, admin: 3 };
const MARKER = 'SECRET-7f3a9c';

interface Fixture {
  ws: number;
  reads: string;
  job: number;
  narrative: number;
  /** The content id of the narrative's first version, published before any lock. */
  publication: string;
  path: string;
  /** Each caller's own workspace, the target of their copies. */
  home: Record<string, number>;
}

interface Call {
  method: string;
  url: string;
  body?: unknown;
  form?: FormData;
  token?: string;
}

interface Entry {
  op: string;
  need: Need;
  /** Changes state others depend on: gets a fresh fixture for each call. */
  destructive?: boolean;
  /** Reading is enough, but the caller acts as someone (a copy becomes theirs): anonymous readers get 401. */
  signedIn?: boolean;
  /** Needs more than read, but leaves the workspace as it is: allowed in a published (read-only) one. */
  changesNothing?: boolean;
  /** The status an allowed caller gets, when not 2xx. */
  allowedStatus?: number;
  /** Refuses no one (200): a caller without `need` finds the fixture's job among the `missing` instead of the `jobs`. */
  missingWhenRefused?: true;
  call: (f: Fixture, caller: Caller, h: Harness) => Call | Promise<Call>;
}

const contentsUrl = (f: Fixture, suffix = '') => `/api/v1/contents/${encodeURIComponent(f.path)}${suffix}`;
let unique = 0;

const MATRIX: Entry[] = [
  { op: 'GET /health', need: 'public', call: () => ({ method: 'GET', url: '/api/v1/health' }) },
  { op: 'GET /openapi.json', need: 'public', call: () => ({ method: 'GET', url: '/api/v1/openapi.json' }) },
  { op: 'GET /types', need: 'public', call: () => ({ method: 'GET', url: '/api/v1/types' }) },
  { op: 'GET /types/{id}', need: 'public', call: () => ({ method: 'GET', url: '/api/v1/types/Genomics.Reads-1.0' }) },
  { op: 'POST /login', need: 'public', call: () => ({ method: 'POST', url: '/api/v1/login', body: { name: 'bob', password: 'bob-password' } }) },
  {
    op: 'POST /logout', need: 'user',
    call: async (_f, caller, h) => ({ method: 'POST', url: '/api/v1/logout', ...(caller === 'anonymous' ? {} : { token: await freshToken(h, caller) }) }),
  },
  { op: 'GET /me', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/me' }) },
  { op: 'GET /tokens', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/tokens' }) },
  { op: 'POST /tokens', need: 'user', call: () => ({ method: 'POST', url: '/api/v1/tokens', body: { label: 'matrix' } }) },
  {
    op: 'DELETE /tokens/{id}', need: 'user',
    call: async (_f, caller, h) => {
      const tokens = await h.client(h.users[USER_OF[caller === 'anonymous' ? 'none' : caller]]!.token).request<{ id: number }[]>('GET', '/tokens');
      const owned = await h.client(h.users[USER_OF[caller === 'anonymous' ? 'none' : caller]]!.token).request<{ id: number }>('POST', '/tokens', { json: { label: 'doomed' } });
      return { method: 'DELETE', url: `/api/v1/tokens/${caller === 'anonymous' ? tokens[0]!.id : owned.id}` };
    },
  },
  { op: 'GET /users', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/users' }) },
  { op: 'POST /users', need: 'admin-role', call: () => ({ method: 'POST', url: '/api/v1/users', body: { name: `new-user-${++unique}` } }) },
  { op: 'GET /workspaces', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/workspaces' }) },
  { op: 'POST /workspaces', need: 'user', call: () => ({ method: 'POST', url: '/api/v1/workspaces', body: { name: `matrix-ws-${++unique}` } }) },
  { op: 'POST /blobs', need: 'user', call: () => ({ method: 'POST', url: '/api/v1/blobs', body: 'some bytes' }) },
  { op: 'GET /narratives', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/narratives' }) },
  { op: 'POST /narratives', need: 'user', call: () => ({ method: 'POST', url: '/api/v1/narratives', body: { title: 'Mine' } }) },
  // Not an archive: a signed-in caller is let in and told the archive was refused (422); anonymous is refused first.
  { op: 'POST /imports', need: 'user', allowedStatus: 422, call: () => ({ method: 'POST', url: '/api/v1/imports', body: 'not an archive' }) },

  { op: 'GET /workspaces/{ws}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/workspaces/${f.ws}` }) },
  { op: 'GET /workspaces/{ws}/permissions', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/workspaces/${f.ws}/permissions` }) },
  { op: 'PUT /workspaces/{ws}/permissions', need: 'admin', call: (f) => ({ method: 'PUT', url: `/api/v1/workspaces/${f.ws}/permissions`, body: { user: 'frank', level: 'read' } }) },
  { op: 'PUT /workspaces/{ws}/public', need: 'admin', destructive: true, call: (f) => ({ method: 'PUT', url: `/api/v1/workspaces/${f.ws}/public`, body: { public: true } }) },
  { op: 'POST /workspaces/{ws}/publish', need: 'admin', destructive: true, call: (f) => ({ method: 'POST', url: `/api/v1/workspaces/${f.ws}/publish` }) },
  { op: 'GET /workspaces/{ws}/objects', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/workspaces/${f.ws}/objects` }) },
  { op: 'POST /workspaces/{ws}/objects', need: 'write', call: (f) => ({ method: 'POST', url: `/api/v1/workspaces/${f.ws}/objects`, body: { name: 'added', type: 'Report.Report-1.0', data: { title: 'x' } } }) },
  {
    op: 'POST /workspaces/{ws}/upload', need: 'write',
    call: (f) => {
      const form = new FormData();
      form.set('name', 'uploaded');
      form.set('type', 'Genomics.Reads-1.0');
      form.set('file', new Blob(['@r\nA\n+\nI\n']), 'r.fastq');
      return { method: 'POST', url: `/api/v1/workspaces/${f.ws}/upload`, form };
    },
  },
  { op: 'GET /objects/{ws}/{obj}/history', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/objects/${f.ws}/thing/history` }) },
  { op: 'GET /objects/{ws}/{obj}/lineage', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/objects/${f.ws}/thing/lineage` }) },
  { op: 'GET /objects/{ws}/{obj}/files/{file}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/objects/${f.ws}/thing/files/secret.txt?ver=1` }) },
  { op: 'POST /objects/{ws}/{obj}/copy', need: 'read', signedIn: true, call: (f, caller) => ({ method: 'POST', url: `/api/v1/objects/${f.ws}/thing/copy`, body: { to: String(f.home[caller] ?? f.ws) } }) },
  { op: 'POST /objects/{ws}/{obj}/revert', need: 'write', call: (f) => ({ method: 'POST', url: `/api/v1/objects/${f.ws}/thing/revert`, body: { version: 1 } }) },
  { op: 'GET /objects/{ws}/{obj}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/objects/${f.ws}/thing` }) },
  { op: 'GET /objects/{ws}/{obj}/{ver}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/objects/${f.ws}/1/1` }) },
  { op: 'GET /objects/{ws}/{obj}/export', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/objects/${f.ws}/thing/export?format=prov` }) },
  // My data lists only what the caller may edit (test/integration/my-data.test.ts): signing in is all it takes.
  { op: 'GET /objects', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/objects' }) },
  // Bringing back into view an object in view changes nothing others here depend on.
  { op: 'PUT /objects/{ws}/{obj}/hidden', need: 'write', call: (f) => ({ method: 'PUT', url: `/api/v1/objects/${f.ws}/thing/hidden`, body: { hidden: false } }) },

  { op: 'GET /narratives/{id}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/narratives/${f.narrative}` }) },
  { op: 'GET /narratives/{id}/notebook', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/narratives/${f.narrative}/notebook` }) },
  { op: 'GET /narratives/{id}/export', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/narratives/${f.narrative}/export?format=ro-crate` }) },
  { op: 'POST /narratives/{id}/publications', need: 'admin', changesNothing: true, call: (f) => ({ method: 'POST', url: `/api/v1/narratives/${f.narrative}/publications` }) },
  { op: 'GET /narratives/{id}/publications', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/narratives/${f.narrative}/publications` }) },
  // Read access to every workspace the archive holds data of (here the narrative's alone): anonymous too, when public.
  { op: 'GET /publications/{contentId}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/publications/${f.publication}` }) },
  { op: 'GET /publications/{contentId}/archive', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/publications/${f.publication}/archive` }) },
  { op: 'POST /narratives/{id}/copy', need: 'read', signedIn: true, call: (f) => ({ method: 'POST', url: `/api/v1/narratives/${f.narrative}/copy`, body: {} }) },
  { op: 'PUT /narratives/{id}/share', need: 'admin', call: (f) => ({ method: 'PUT', url: `/api/v1/narratives/${f.narrative}/share`, body: { user: 'frank', level: 'read' } }) },
  { op: 'POST /narratives/{id}/publish', need: 'admin', destructive: true, call: (f) => ({ method: 'POST', url: `/api/v1/narratives/${f.narrative}/publish` }) },
  { op: 'DELETE /narratives/{id}', need: 'admin', destructive: true, call: (f) => ({ method: 'DELETE', url: `/api/v1/narratives/${f.narrative}` }) },
  // The fixture's narrative has no app cells: a caller let in is told so (422); everyone else is refused first.
  { op: 'POST /narratives/{id}/run-all', need: 'write', allowedStatus: 422, call: (f) => ({ method: 'POST', url: `/api/v1/narratives/${f.narrative}/run-all`, body: {} }) },
  { op: 'GET /narratives/{id}/update-plan', need: 'write', call: (f) => ({ method: 'GET', url: `/api/v1/narratives/${f.narrative}/update-plan` }) },
  { op: 'POST /narratives/{id}/update', need: 'write', call: (f) => ({ method: 'POST', url: `/api/v1/narratives/${f.narrative}/update` }) },
  // No such run: who may read the narrative learns only that (404); everyone else is refused first.
  { op: 'GET /narratives/{id}/runs/{run}', need: 'read', allowedStatus: 404, call: (f) => ({ method: 'GET', url: `/api/v1/narratives/${f.narrative}/runs/999999` }) },

  { op: 'GET /contents/{path}/checkpoints', need: 'read', call: (f) => ({ method: 'GET', url: contentsUrl(f, '/checkpoints') }) },
  { op: 'POST /contents/{path}/checkpoints', need: 'write', call: (f) => ({ method: 'POST', url: contentsUrl(f, '/checkpoints') }) },
  { op: 'POST /contents/{path}/checkpoints/{checkpoint}', need: 'write', call: (f) => ({ method: 'POST', url: contentsUrl(f, '/checkpoints/1') }) },
  { op: 'DELETE /contents/{path}/checkpoints/{checkpoint}', need: 'write', allowedStatus: 409, call: (f) => ({ method: 'DELETE', url: contentsUrl(f, '/checkpoints/1') }) },
  { op: 'GET /contents/{path}', need: 'read', call: (f) => ({ method: 'GET', url: contentsUrl(f) }) },
  {
    op: 'PUT /contents/{path}', need: 'write',
    call: async (f, _c, h) => ({ method: 'PUT', url: contentsUrl(f), body: { type: 'notebook', format: 'json', content: await h.admin.request('GET', `/narratives/${f.narrative}/notebook`).catch(() => emptyNotebook()) } }),
  },
  { op: 'POST /contents/{path}', need: 'user', call: () => ({ method: 'POST', url: '/api/v1/contents/', body: { type: 'notebook' } }) },
  { op: 'PATCH /contents/{path}', need: 'write', call: (f) => ({ method: 'PATCH', url: contentsUrl(f), body: { path: `Story ${MARKER}.ipynb` } }) },
  { op: 'PATCH /narratives/{id}', need: 'write', call: (f) => ({ method: 'PATCH', url: `/api/v1/narratives/${f.narrative}`, body: { title: `Story ${MARKER}` } }) },
  { op: 'DELETE /contents/{path}', need: 'admin', destructive: true, call: (f) => ({ method: 'DELETE', url: contentsUrl(f) }) },

  { op: 'GET /apps', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/apps' }) },
  { op: 'GET /apps/bundled', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/apps/bundled' }) },
  { op: 'GET /apps/{module}/{name}', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/apps/test/count-lines' }) },
  { op: 'POST /apps', need: 'developer-role', call: () => ({ method: 'POST', url: '/api/v1/apps', body: { ...testApp, version: `1.0.${++unique}` } }) },
  { op: 'POST /apps/{module}/{name}/{version}/promote', need: 'developer-role', call: () => ({ method: 'POST', url: '/api/v1/apps/test/count-lines/1.0.0/promote', body: { channel: 'beta' } }) },
  { op: 'POST /apps/{module}/{name}/{version}/deprecate', need: 'developer-role', call: () => ({ method: 'POST', url: '/api/v1/apps/test/count-lines/1.0.0/deprecate', body: { reason: 'matrix' } }) },
  { op: 'GET /images', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/images' }) },
  { op: 'GET /images/{digest}', need: 'user', call: () => ({ method: 'GET', url: `/api/v1/images/${storedImage}` }) },
  { op: 'PUT /images/{digest}', need: 'developer-role', call: () => ({ method: 'PUT', url: `/api/v1/images/${storedImage}`, body: 'not an image' }) },
  { op: 'GET /kernel-images', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/kernel-images' }) },
  { op: 'POST /kernel-images', need: 'admin-role', call: () => ({ method: 'POST', url: '/api/v1/kernel-images', body: { digest: storedImage, name: 'Python', version: '1.0.0' } }) },
  { op: 'DELETE /kernel-images/{digest}', need: 'admin-role', call: () => ({ method: 'DELETE', url: `/api/v1/kernel-images/${storedImage}` }) },
  { op: 'GET /jobs', need: 'user', call: () => ({ method: 'GET', url: '/api/v1/jobs?state=completed,failed&limit=5' }) },
  { op: 'POST /jobs', need: 'write', call: (f) => ({ method: 'POST', url: '/api/v1/jobs', body: { app: 'test/count-lines', ws: String(f.ws), inputs: { reads: f.reads } } }) },
  { op: 'POST /jobs/bulk', need: 'write', call: (f) => ({ method: 'POST', url: '/api/v1/jobs/bulk', body: { app: 'test/count-lines', ws: String(f.ws), input: 'reads', refs: [f.reads] } }) },
  { op: 'GET /jobs/{id}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/jobs/${f.job}` }) },
  { op: 'POST /jobs/lookup', need: 'read', missingWhenRefused: true, call: (f) => ({ method: 'POST', url: '/api/v1/jobs/lookup', body: { ids: [f.job], logTail: 2, cellRuns: f.narrative } }) },
  { op: 'GET /jobs/{id}/events', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/jobs/${f.job}/events` }) },
  { op: 'GET /jobs/{id}/log', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/jobs/${f.job}/log` }) },
  { op: 'GET /jobs/{id}/diff/{other}', need: 'read', call: (f) => ({ method: 'GET', url: `/api/v1/jobs/${f.job}/diff/${f.job}` }) },
  { op: 'POST /jobs/{id}/cancel', need: 'write', call: (f) => ({ method: 'POST', url: `/api/v1/jobs/${f.job}/cancel` }) },
  { op: 'POST /jobs/{id}/retry', need: 'write', call: (f) => ({ method: 'POST', url: `/api/v1/jobs/${f.job}/retry` }) },
  { op: 'POST /jobs/{id}/rerun', need: 'write', call: (f) => ({ method: 'POST', url: `/api/v1/jobs/${f.job}/rerun`, body: { verify: false } }) },
];

let testApp: TestAppSpec;
/** An image pushed by the admin, so reads of it can succeed. */
let storedImage: string;

function emptyNotebook() {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
}

async function freshToken(h: Harness, caller: Exclude<Caller, 'anonymous'>): Promise<string> {
  return (await h.client(h.users[USER_OF[caller]]!.token).request<{ token: string }>('POST', '/tokens', { json: { label: 'to revoke' } })).token;
}

/** What a caller may do, from the fixture's grants: the owner alice gave bob read, dave write, erin admin; carol nothing. */
function expected(entry: Entry, caller: Caller, state: State): number | 'allowed' {
  if (entry.need === 'public') return 'allowed';
  if (entry.need === 'user') return caller === 'anonymous' ? 401 : 'allowed';
  if (entry.need === 'admin-role' || entry.need === 'developer-role') return caller === 'anonymous' ? 401 : 403;
  const readable = state !== 'private';
  const level = caller === 'anonymous' || caller === 'none' ? (readable ? 'read' : 'none') : caller;
  if (ORDER[level] < ORDER[entry.need]) return caller === 'anonymous' ? 401 : 403;
  if (state === 'published' && entry.need !== 'read' && !entry.changesNothing) return 409;
  if (caller === 'anonymous' && entry.signedIn) return 401;
  return 'allowed';
}

describe('permission matrix', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let fixtures = 0;

  /** A job is made only where an entry needs one: the fixtures of destructive entries do without. */
  async function makeFixture(state: State, withJob = true): Promise<Fixture> {
    const n = ++fixtures;
    const ws = (await alice.createWorkspace(`fixture-${n}`)).id;
    const blob = await alice.uploadBlob(`file ${MARKER}`);
    await alice.saveObject(ws, { name: 'thing', type: 'Report.Report-1.0', data: { title: MARKER }, files: [{ name: 'secret.txt', sha256: blob.sha256 }] });
    await alice.saveObject(ws, { name: 'thing', type: 'Report.Report-1.0', data: { title: `${MARKER} v2` } });
    const narrative = await alice.createNarrative(`Story ${MARKER}`);
    const publication = (await alice.createPublication(narrative.id)).contentId;
    const reads = await uploadReads(alice, ws, '@r\nACGT\n+\nIIII\n');
    const job = withJob ? (await alice.waitForJob((await alice.run({ app: 'test/count-lines', ws: String(ws), inputs: { reads } })).id)).id : 0;
    for (const target of [ws, narrative.wsid]) {
      for (const [level, user] of [['read', 'bob'], ['write', 'dave'], ['admin', 'erin']] as const) await alice.setPermission(target, user, level);
      if (state !== 'private') await alice.setPublic(target, true);
      if (state === 'published') await alice.publishWorkspace(target);
    }
    return { ws, reads, job, narrative: narrative.id, publication, path: narrative.path, home: homes };
  }

  const homes: Record<string, number> = {};

  before(async () => {
    h = await startHarness(['alice', 'bob', 'carol', 'dave', 'erin', 'frank']);
    alice = h.users.alice!.client;
    testApp = await buildTestApp();
    await h.admin.registerApp(testApp);
    const pushed = await buildOciArchive(testApp.container.image.location, join(h.home, 'matrix-image.oci.tar'));
    storedImage = (await h.admin.pushImage(pushed.digest, new Blob([await readFile(pushed.location)]))).digest;
    for (const caller of CALLERS) {
      if (caller === 'anonymous') continue;
      homes[caller] = (await h.users[USER_OF[caller]]!.client.createWorkspace(`home-of-${USER_OF[caller]}`)).id;
    }
  });
  after(() => h.stop());

  it('covers every operation of the OpenAPI document, and nothing else', async () => {
    const doc = (await h.anonymous.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json'));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    assert.deepEqual(MATRIX.map((e) => e.op).sort(), documented);
  });

  for (const state of STATES) {
    it(`refuses and allows exactly as the grants say, with no leak (${state} workspaces)`, async () => {
      const shared = await makeFixture(state);
      const failures: string[] = [];
      for (const entry of MATRIX) {
        for (const caller of CALLERS) {
          const f = entry.destructive ? await makeFixture(state, false) : shared;
          const call = await entry.call(f, caller, h);
          const token = call.token ?? (caller === 'anonymous' ? undefined : h.users[USER_OF[caller]]!.token);
          const response = await send(h, call, token);
          const text = await response.text();
          const want = expected(entry, caller, state);
          const ok = entry.missingWhenRefused
            ? response.status === 200 && sawOnly(text, want === 'allowed' ? f.job : null, f.job)
            : want === 'allowed' ? (entry.allowedStatus ? response.status === entry.allowedStatus : response.status >= 200 && response.status < 300) : response.status === want;
          if (!ok) failures.push(`${entry.op} as ${caller}: got ${response.status}, want ${want}: ${text.slice(0, 160)}`);
          if (response.status >= 400) {
            if (!response.headers.get('content-type')?.startsWith('application/problem+json')) failures.push(`${entry.op} as ${caller}: error is not problem+json`);
            // `instance` echoes the caller's own request URL (a contents path holds the title they sent): not a leak.
            const { instance: _echo, ...problem } = JSON.parse(text) as Record<string, unknown>;
            if (JSON.stringify(problem).includes(MARKER)) failures.push(`${entry.op} as ${caller}: refusal leaks the content`);
          }
        }
      }
      assert.deepEqual(failures, []);
    });
  }

  it('allowed reads do show the content (so the leak check can fail)', async () => {
    const f = await makeFixture('private');
    const response = await send(h, { method: 'GET', url: `/api/v1/objects/${f.ws}/thing` }, h.users.bob!.token);
    assert.equal(response.status, 200);
    assert.match(await response.text(), new RegExp(MARKER));
  });

  it('listings show only what the caller may read', async () => {
    const f = await makeFixture('private');
    const ids = async (user: string) => (await h.users[user]!.client.listWorkspaces()).map((w) => w.id);
    assert.ok((await ids('bob')).includes(f.ws));
    assert.ok(!(await ids('carol')).includes(f.ws));
    assert.ok(!(await h.users.carol!.client.listNarratives()).some((n) => n.id === f.narrative));
    const dir = await send(h, { method: 'GET', url: '/api/v1/contents/' }, h.users.carol!.token);
    assert.ok(!(await dir.text()).includes(JSON.stringify(f.path)), 'the private narrative is not in her directory');
  });
});

/** A lookup's answer that shows the job `shown` (or none) and has `asked` missing otherwise. */
function sawOnly(text: string, shown: number | null, asked: number): boolean {
  const { jobs, missing } = JSON.parse(text) as { jobs: { id: number }[]; missing: number[] };
  return JSON.stringify([jobs.map((j) => j.id), missing]) === JSON.stringify(shown === null ? [[], [asked]] : [[shown], []]);
}

async function send(h: Harness, call: Call, token: string | undefined): Promise<Response> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  let body: string | FormData | undefined;
  if (call.form) body = call.form;
  else if (typeof call.body === 'string') {
    body = call.body;
    headers['Content-Type'] = 'application/octet-stream';
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['Content-Type'] = 'application/json';
  }
  return h.fetch(call.url, { method: call.method, headers, ...(body === undefined ? {} : { body }) });
}
