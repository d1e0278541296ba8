import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Narrative } from '@narrative/server/client';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { runOnKernel } from '../support/kernel-run.js';
import { needsRoot } from '../support/prerequisites.js';
import { readWithPythonProv } from '../support/prov.js';
import { uploadReads } from '../support/test-app.js';

interface Session {
  id: string;
  kernel: { id: string };
}

const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const run = (h: Harness, token: string, kernel: string, code: string, cellId?: string): Promise<string> => runOnKernel(h, token, kernel, code, cellId ? { cellId } : {});

async function startSession(h: Harness, token: string, path: string): Promise<Session> {
  const response = await h.fetch('/api/sessions', { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify({ path, type: 'notebook', name: '', kernel: { name: 'python3' } }) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as Session;
}

/** A request with a kernel's token, answered with its status (and problem detail). */
async function asKernel(h: Harness, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; detail: string }> {
  const response = await h.fetch(path, { method, headers: { ...bearer(token), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, detail: text.slice(0, 300) };
}

const skip = needsRoot("kernels run under their users' own uids only when the server is root");

describe('code cells reach the narrative\'s data: the narrative client in the kernel, code provenance', { skip }, () => {
  let h: Harness;
  let alice: string;
  let narrative: Narrative;
  let readsRef: string;
  let session: Session;
  let credentialsPath: string;
  let credentials: { url: string; token: string; narrative: number; workspace: number; kernel: string; expires: string; socket: string };
  let kernelUid: number;

  before(async () => {
    h = await startHarness(['alice', 'bob'], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    alice = h.users.alice!.token;
    narrative = await h.users.alice!.client.createNarrative('Reads study');
    readsRef = await uploadReads(h.users.alice!.client, narrative.wsid, READS);
    session = await startSession(h, alice, narrative.path);
    const aliceId = (await h.server.ctx.store.findUserByName('alice'))!.id;
    credentialsPath = join(h.home, 'run', 'jupyter', String(aliceId), 'home', '.narrative', `kernel-${session.kernel.id}.json`);
    credentials = JSON.parse(await readFile(credentialsPath, 'utf8')) as typeof credentials;
    kernelUid = Number((await run(h, alice, session.kernel.id, 'import os; print(os.getuid())')).trim());
  });
  after(() => h?.stop());

  it("writes the kernel's credentials into the user's private home, the user's alone", async () => {
    const file = await stat(credentialsPath);
    assert.deepEqual([file.uid, file.mode & 0o777], [kernelUid, 0o600]);
    const dir = await stat(join(credentialsPath, '..'));
    assert.deepEqual([dir.uid, dir.mode & 0o777], [kernelUid, 0o700]);
    assert.equal(credentials.narrative, narrative.id);
    assert.equal(credentials.workspace, narrative.wsid);
    assert.equal(credentials.kernel, session.kernel.id);
    assert.match(credentials.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(credentials.socket, 'narrative-api.sock');
    const socket = await stat(join(credentialsPath, '..', '..', '..', 'run', credentials.socket));
    assert.ok(socket.isSocket() && socket.uid === kernelUid, "the API socket beside the kernel's connection file is the user's");
    const hours = (Date.parse(credentials.expires) - Date.now()) / 3_600_000;
    assert.ok(hours > 11 && hours <= 12, `expires in ${hours} h`);
  });

  it('reads an object by name and its file as a path, and records the read', async () => {
    const printed = await run(h, alice, session.kernel.id, 'import narrative\nr = narrative.get("reads")\nprint(r.type, r.ref, len(open(r.files[0].path()).read()))', 'cell-read');
    assert.equal(printed.trim(), `Genomics.Reads-1.0 ${readsRef} ${READS.length}`);
    assert.equal((await run(h, alice, session.kernel.id, 'print([o.name for o in narrative.objects()])')).trim(), "['reads']");
  });

  it("saves a typed object whose provenance is the code: the cell, its source's sha256, what the kernel read, as the server saw it", async () => {
    const code = [
      'import pathlib, tempfile',
      'lengths = pathlib.Path(tempfile.gettempdir()) / "lengths.tsv"',
      'lengths.write_text("r1\\t4\\nr2\\t4\\n")',
      'saved = narrative.save("read-lengths", "Report.Report-1.0", {"title": "Read lengths"}, files=[lengths])',
      'print(saved)',
    ].join('\n');
    const ref = (await run(h, alice, session.kernel.id, code, 'cell-save')).trim();
    const version = await h.users.alice!.client.getObject(ref);
    assert.equal(version.provenance.kind, 'code');
    assert.equal(version.provenanceKind, 'code');
    assert.equal(version.wsid, narrative.wsid);
    assert.deepEqual(version.files.map((f) => f.name), ['lengths.tsv']);
    const block = version.provenance.code!;
    assert.equal(block.cell, 'cell-save');
    assert.equal(block.sourceSha256, sha256(code));
    assert.equal(block.source, code);
    assert.equal(block.kernelImage, null, "the host's Python: no image");
    assert.deepEqual(block.inputs, [readsRef]);
    assert.deepEqual(version.provenance.inputs, [{ given: readsRef, resolved: readsRef }]);
    assert.equal(version.provenance.narrative?.id, narrative.id);
    assert.equal(version.provenance.narrative?.cell, 'cell-save');
    const lineage = await h.users.alice!.client.request<{ edges: { from: string; to: string; relation: string }[] }>('GET', `/objects/${ref.split('/').slice(0, 2).join('/')}/lineage`);
    assert.deepEqual(lineage.edges, [{ from: readsRef, to: ref, relation: 'input' }]);
    const prov = await h.users.alice!.client.send('GET', `/objects/${ref.split('/').slice(0, 2).join('/')}/export`, { query: { format: 'prov' } });
    const file = join(h.home, 'code-step.prov.json');
    await writeFile(file, Buffer.from(await prov.arrayBuffer()));
    const reading = await readWithPythonProv(file);
    assert.ok(reading.same, 'python3-prov reads it and writes it back unchanged');
    assert.match(reading.provn, new RegExp(`used\\([^;]+; narrative:objects/${ref}/code, narrative:objects/${readsRef},`), 'the code step used the reads');
    assert.match(reading.provn, new RegExp(`wasGeneratedBy\\([^;]+; narrative:objects/${ref}, narrative:objects/${ref}/code,`), 'and made the version');
    assert.ok(reading.provn.includes(`wfrun:sha256="${sha256(code)}"`), "under the plan of the cell's source");
  });

  it("refuses a save of invalid data with the type's schema error as a Python exception, not an HTTP library's traceback", async () => {
    const failed = await run(h, alice, session.kernel.id, 'narrative.save("bad", "Report.Report-1.0", {"no_title": 1})', 'cell-bad').then(
      () => assert.fail('the save was accepted'),
      (error: Error & { traceback: string }) => error,
    );
    assert.match(failed.message, /^NarrativeError: 422 Invalid content: Not a valid Report\.Report-1\.0: .*title/);
    assert.doesNotMatch(failed.traceback, /During handling|http\.client|urllib|HTTPError/);
  });

  it("keeps the kernel's token to its narrative: no writes elsewhere, no tokens, shares, sign-ins or kernels", async () => {
    const other = await h.users.alice!.client.createWorkspace('elsewhere');
    const token = credentials.token;
    const save = { name: 'x', type: 'Report.Report-1.0', data: { title: 'x' } };
    assert.equal((await asKernel(h, token, 'POST', `/api/v1/workspaces/${other.id}/objects`, save)).status, 403);
    assert.equal((await asKernel(h, token, 'POST', '/api/v1/tokens', { label: 'escape' })).status, 403);
    assert.equal((await asKernel(h, token, 'PUT', `/api/v1/narratives/${narrative.id}/share`, { user: 'bob', level: 'write' })).status, 403);
    assert.equal((await asKernel(h, token, 'POST', '/api/v1/narratives', { title: 'new' })).status, 403);
    assert.equal((await asKernel(h, token, 'POST', '/api/v1/login', { token })).status, 403);
    assert.equal((await asKernel(h, token, 'GET', '/api/kernels')).status, 403);
    // Sent as the session cookie (with an XSRF pair it makes up itself), it is no session either.
    const asCookie = await h.fetch('/api/sessions', {
      method: 'POST', body: JSON.stringify({ path: 'elsewhere.ipynb', type: 'notebook', kernel: { name: 'python3' } }),
      headers: { 'Content-Type': 'application/json', Cookie: `narrative_session=${token}; _xsrf=x`, 'X-XSRFToken': 'x' },
    });
    assert.equal(asCookie.status, 403, await asCookie.text());
    assert.equal((await asKernel(h, token, 'GET', `/api/v1/workspaces/${other.id}/objects`)).status, 200, 'reads anything its user may');
    assert.equal((await asKernel(h, token, 'POST', `/api/v1/workspaces/${narrative.wsid}/objects`, save)).status, 201, 'writes into its narrative');
  });

  it("keeps the credentials from another user's code, and out of the notebook", async () => {
    const bobSession = await startSession(h, h.users.bob!.token, 'scratch.ipynb');
    const printed = await run(h, h.users.bob!.token, bobSession.kernel.id, `
for path in [${JSON.stringify(credentialsPath)}, ${JSON.stringify(join(credentialsPath, '..'))}]:
    try:
        open(path).read() if path.endswith('.json') else __import__('os').listdir(path)
        print('GOT', path)
    except Exception as e:
        print('refused', type(e).__name__)
import narrative
try:
    narrative.objects()
except narrative.NarrativeError as e:
    print(e.title)
`);
    assert.deepEqual(printed.trim().split('\n'), ['refused PermissionError', 'refused PermissionError', 'No credentials']);
    const notebook = JSON.stringify(await h.users.alice!.client.notebook(narrative.id));
    assert.ok(!notebook.includes(credentials.token) && !notebook.includes('.narrative/kernel-'), 'neither the token nor its file in the notebook');
  });

  it('mints one token for a kernel that several sessions, opened at once, attach to', async () => {
    const other = await h.users.alice!.client.createNarrative('Opened twice');
    const aliceId = (await h.server.ctx.store.findUserByName('alice'))!.id;
    const kernelTokens = async () => (await h.server.ctx.store.listTokens(aliceId)).filter((t) => t.label === `kernel for narrative ${other.id}`);
    // A kernel of its own first (no session, so no token), then three sessions naming it at the same moment.
    const started = await h.fetch('/api/kernels', { method: 'POST', headers: { ...bearer(alice), 'Content-Type': 'application/json' }, body: '{"name":"python3"}' });
    assert.equal(started.status, 201, await started.clone().text());
    const kernel = ((await started.json()) as { id: string }).id;
    assert.equal((await kernelTokens()).length, 0);
    const attach = () => h.fetch('/api/sessions', { method: 'POST', headers: { ...bearer(alice), 'Content-Type': 'application/json' }, body: JSON.stringify({ path: other.path, type: 'notebook', name: '', kernel: { id: kernel } }) });
    const opened = await Promise.all([attach(), attach(), attach()]);
    for (const response of opened) assert.equal(response.status, 201, await response.clone().text());
    const sessions = (await Promise.all(opened.map((r) => r.json()))) as Session[];
    assert.deepEqual([...new Set(sessions.map((s) => s.kernel.id))], [kernel]);
    assert.equal((await kernelTokens()).length, 1, 'one token, not one per session');
    for (const id of new Set(sessions.map((s) => s.id))) await h.fetch(`/api/sessions/${id}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal((await kernelTokens()).length, 0, 'revoked with its sessions');
  });

  it('revokes the token and removes the file when the session ends', async () => {
    const response = await h.fetch(`/api/sessions/${session.id}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal(response.status, 204);
    assert.equal((await asKernel(h, credentials.token, 'GET', `/api/v1/narratives/${narrative.id}`)).status, 401);
    await assert.rejects(stat(credentialsPath), /ENOENT/);
  });
});

describe("a kernel's token across the API: the user's reads, writes into its narrative only", () => {
  let h: Harness;
  let token: string;
  let mine: Narrative;
  let theirs: Narrative;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    mine = await h.users.alice!.client.createNarrative('Mine');
    theirs = await h.users.bob!.client.createNarrative('Theirs');
    await h.users.bob!.client.shareNarrative(theirs.id, { user: 'alice', level: 'write' });
    // Minted as the server does (auth/kernel-tokens.ts): an ordinary token row with a scope.
    token = `nrt_${randomBytes(32).toString('base64url')}`;
    const alice = (await h.server.ctx.store.findUserByName('alice'))!;
    await h.server.ctx.store.createToken({ userId: alice.id, tokenHash: sha256(token), label: 'kernel', kind: 'api', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), scope: { wsid: mine.wsid, narrativeId: mine.id, kernelImage: null } });
  });
  after(() => h?.stop());

  it('reads wherever its user may read, and the lists and catalog', async () => {
    for (const path of [`/api/v1/narratives/${theirs.id}`, `/api/v1/workspaces/${theirs.wsid}/objects`, '/api/v1/me', '/api/v1/objects', '/api/v1/apps', '/api/v1/narratives']) {
      assert.equal((await asKernel(h, token, 'GET', path)).status, 200, path);
    }
  });

  it("refuses a write into a workspace its user may write, but that is not its narrative's", async () => {
    const refused = await asKernel(h, token, 'POST', `/api/v1/workspaces/${theirs.wsid}/objects`, { name: 'x', type: 'Report.Report-1.0', data: { title: 'x' } });
    assert.equal(refused.status, 403);
    assert.match(refused.detail, /kernel's token/);
  });

  it('refuses whatever would act as the user beyond saving: tokens, users, workspaces, narratives, apps, imports, sharing, publishing', async () => {
    const calls: [string, string, unknown?][] = [
      ['POST', '/api/v1/tokens', {}], ['POST', '/api/v1/users', { name: 'eve', role: 'user' }], ['POST', '/api/v1/workspaces', { name: 'new-ws' }],
      ['POST', '/api/v1/narratives', { title: 'New' }], ['POST', `/api/v1/narratives/${mine.id}/copy`, {}], ['PUT', `/api/v1/narratives/${mine.id}/share`, { public: true }],
      ['PUT', `/api/v1/workspaces/${mine.wsid}/permissions`, { user: 'bob', level: 'admin' }], ['POST', `/api/v1/narratives/${mine.id}/publish`],
      ['DELETE', `/api/v1/narratives/${mine.id}`], ['POST', '/api/v1/login', { token }], ['PUT', '/lab/api/settings/x', {}],
    ];
    for (const [method, path, body] of calls) assert.equal((await asKernel(h, token, method, path, body)).status, 403, `${method} ${path}`);
  });

  it("refuses archives and crates, whose bytes would pass the record of what the kernel read; PROV, which holds none, it may read", async () => {
    const saved = await h.users.bob!.client.request<{ ref: string }>('POST', `/workspaces/${theirs.wsid}/objects`, { json: { name: 'notes', type: 'Report.Report-1.0', data: { title: 'notes' } } });
    const [ws, obj] = saved.ref.split('/');
    for (const path of [`/api/v1/narratives/${theirs.id}/export?format=archive`, `/api/v1/narratives/${theirs.id}/export?format=ro-crate`, `/api/v1/objects/${ws}/${obj}/export?format=ro-crate`, `/api/v1/objects/${ws}/${obj}/export`]) {
      const refused = await asKernel(h, token, 'GET', path);
      assert.equal(refused.status, 403, path);
      assert.match(refused.detail, /narrative\.get/);
    }
    assert.equal((await asKernel(h, token, 'GET', `/api/v1/objects/${ws}/${obj}/export?format=prov`)).status, 200);
    assert.equal((await asKernel(h, token, 'GET', `/api/v1/narratives/${theirs.id}/export?format=prov`)).status, 200);
    assert.equal((await h.fetch(`/api/v1/objects/${ws}/${obj}/export`, { headers: bearer(h.users.alice!.token) })).status, 200, "alice's own token may");
  });

  it('saves into its narrative (a file through POST /blobs first), and only a kernel may describe the code', async () => {
    const blob = await h.fetch('/api/v1/blobs', { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/octet-stream' }, body: 'bytes' });
    assert.equal(blob.status, 201);
    const sha = ((await blob.json()) as { sha256: string }).sha256;
    const saved = await asKernel(h, token, 'POST', `/api/v1/workspaces/${mine.wsid}/objects`, { name: 'r', type: 'Report.Report-1.0', data: { title: 'r' }, files: [{ name: 'f.txt', sha256: sha }], code: { cell: 'c1', source: 'x = 1' } });
    assert.equal(saved.status, 201, saved.detail);
    const version = await h.users.alice!.client.getObject(`${mine.wsid}/r`);
    assert.deepEqual([version.provenance.kind, version.provenance.code?.cell, version.provenance.code?.sourceSha256, version.provenance.code?.inputs], ['code', 'c1', sha256('x = 1'), []]);
    const claimed = await asKernel(h, h.users.alice!.token, 'POST', `/api/v1/workspaces/${mine.wsid}/objects`, { name: 's', type: 'Report.Report-1.0', data: { title: 's' }, code: { cell: 'c1', source: 'x' } });
    assert.equal(claimed.status, 400, 'a claim of code from an ordinary token');
  });
});
