import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import type { NarrativeClient } from '@narrative/server/client';
import { blobTempFiles } from '../support/blob-temp.js';
import { startHarness, type Harness } from '../support/harness.js';

// Bad input of every kind gets a 4xx problem naming what is wrong, never a 5xx, and never leaves a trace.
const KiB = 1024;
const run = promisify(execFile);
let h: Harness;
let alice: NarrativeClient;
let aliceToken: string;
let bobToken: string;
let geneRef = '';
const SECRET = 'Secretus genomicus';
const GENOME = 'Genomics.Genome-1.0';
const REPORT = 'Report.Report-1.0';

interface Reply { status: number; type: string; body: { detail?: string; errors?: { path: string; message: string }[] } & Record<string, unknown>; text: string }

async function call(token: string | undefined, method: string, path: string, opts: { json?: unknown; raw?: RequestInit['body']; type?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  let body = opts.raw;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (opts.type ?? (opts.json !== undefined ? 'application/json' : undefined)) headers['Content-Type'] = opts.type ?? 'application/json';
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: AbortSignal.timeout(5_000), ...(body === undefined ? {} : { body }) };
  if (body instanceof ReadableStream) init.duplex = 'half';
  let res: Response;
  let text: string;
  try {
    res = await h.fetch(`/api/v1${path}`, init);
    text = await res.text();
  } catch (error) {
    throw new Error(`${method} ${path}: the server never answered (${(error as Error).message})`);
  }
  let parsed: Reply['body'] = {};
  try { parsed = JSON.parse(text) as Reply['body']; } catch { /* not JSON: the assertions below say so */ }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed, text };
}

/** A problem document with this status; `path` must be among its field errors, and `detail` must match (or else name the field). */
function expectProblem(r: Reply, status: number, want: { path?: string; detail?: RegExp } = {}): void {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.match(r.type, /^application\/problem\+json/);
  assert.equal(typeof r.body.detail, 'string');
  assert.ok(r.body.detail!.length > 0);
  if (want.path) {
    assert.ok(r.body.errors?.some((e) => e.path === want.path), `errors should name ${want.path}: ${JSON.stringify(r.body.errors)}`);
    if (!want.detail) assert.ok(r.body.detail!.includes(want.path.split('/').pop()!), `detail should name ${want.path}: ${r.body.detail}`);
  }
  if (want.detail) assert.match(r.body.detail!, want.detail);
}

/** Everything a bad request could leave behind: workspaces, narratives, objects and every object's history. */
async function snapshot(client: NarrativeClient, ws: string) {
  const page = await client.listObjects(ws, { limit: 1000 });
  const histories = await Promise.all(page.items.map(async (o) => (await client.history(o.ref)).map((v) => v.ref)));
  const workspaces = (await client.listWorkspaces()).map((w) => w.id);
  const narratives = (await client.listNarratives()).map((n) => n.ref);
  return { total: page.total, refs: page.items.map((o) => o.ref), histories, workspaces, narratives };
}

async function unchanged(ws: string, work: () => Promise<void>, client = alice): Promise<void> {
  const before = await snapshot(client, ws);
  await work();
  assert.deepEqual(await snapshot(client, ws), before, 'a refused request changed stored state');
}

function multipart(parts: { name: string; value?: string; filename?: string; data?: Buffer }[]): { raw: Buffer; type: string } {
  const boundary = `----narrative${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = p.filename === undefined ? '' : `; filename*=UTF-8''${encodeURIComponent(p.filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}`;
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n${p.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n`;
    chunks.push(Buffer.from(head), p.data ?? Buffer.from(p.value ?? '', 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

const reportUpload = (name: string, filename: string, data = Buffer.from('hello\n')) =>
  multipart([{ name: 'name', value: name }, { name: 'type', value: REPORT }, { name: 'data', value: '{"title":"t"}' }, { name: 'file', filename, data }]);

// Families of bad names: traversal, control characters, leading dot, all digits, too long.
const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
const slashed = fc.oneof(
  fc.constantFrom('../x', 'a/b', '/etc/passwd', '..\\x', 'a\\b', '../../etc/passwd'),
  fc.tuple(word, word).map(([a, b]) => `${a}/${b}`),
  word.map((w) => `../${w}`),
  word.map((w) => `..\\${w}`),
);
const control = fc.tuple(word, fc.oneof(fc.integer({ min: 0, max: 31 }), fc.constant(127)), word).map(([a, c, b]) => a + String.fromCharCode(c) + b);
const tooLong = fc.tuple(word, fc.integer({ min: 256, max: 600 })).map(([w, n]) => w.repeat(Math.ceil(n / w.length)).slice(0, n));
const badName = fc.oneof(slashed, fc.constantFrom('..', '.', ''), control, word.map((w) => `.${w}`), fc.stringMatching(/^[0-9]{1,12}$/), tooLong);
/** Titles are free text (leading dots and digits are fine): only slashes, control characters and length make them bad. */
const badTitle = fc.oneof(slashed, control, tooLong, fc.constant(''));
const runs = { numRuns: 70 };

before(async () => {
  h = await startHarness(['alice', 'bob'], { limits: { jsonBytes: 64 * KiB, jsonDepth: 100, blobBytes: 256 * KiB, imageBytes: 1024 * KiB, archiveBytes: 2048 * KiB } });
  alice = h.users.alice!.client;
  aliceToken = h.users.alice!.token;
  bobToken = h.users.bob!.token;
  await alice.createWorkspace('alice-ws');
  await h.users.bob!.client.createWorkspace('bob-ws');
  const blob = await alice.uploadBlob(Buffer.from('##gff-version 3\n'));
  geneRef = (await alice.saveObject('alice-ws', { name: 'g1', type: GENOME, data: { geneCount: 5, scientificName: SECRET }, files: [{ name: 'genes.gff', sha256: blob.sha256 }] })).ref;
  await alice.saveObject('alice-ws', { name: 'r1', type: REPORT, data: { title: 'one' } });
  await alice.saveObject('alice-ws', { name: 'r1', type: REPORT, data: { title: 'two' } });
});
after(() => h?.stop());

const save = (token: string, ws: string, body: unknown) => call(token, 'POST', `/workspaces/${ws}/objects`, { json: body });

describe('object bodies', () => {
  test('a field of the wrong type, or a missing required field, is a 422 naming /data/<field>', () => unchanged('alice-ws', async () => {
    const files = (await alice.getObject(geneRef)).files.map(({ name, sha256 }) => ({ name, sha256 }));
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'g2', type: GENOME, data: { geneCount: 'many' }, files }), 422, { path: '/data/geneCount' });
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'g1', type: GENOME, data: { geneCount: -3 }, files }), 422, { path: '/data/geneCount' });
    const missing = await save(aliceToken, 'alice-ws', { name: 'g1', type: GENOME, data: { scientificName: 'x' }, files });
    expectProblem(missing, 422, { path: '/data/geneCount' });
    assert.match(missing.body.errors!.find((e) => e.path === '/data/geneCount')!.message, /required/);
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'g1', type: GENOME, data: { geneCount: 1, colour: 'red' }, files }), 422, { path: '/data/colour' });
  }));

  test('an unknown type id is a 400 naming the type', () => unchanged('alice-ws', async () => {
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'x', type: 'Genomics.Nope-1.0', data: {} }), 400, { path: '/type', detail: /Genomics\.Nope-1\.0/ });
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'x', type: 'not a type', data: {} }), 400, { path: '/body/type' });
  }));

  test('unknown fields in a body are a 400 naming the field', () => unchanged('alice-ws', async () => {
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'x', type: REPORT, data: { title: 't' }, bogus: 1 }), 400, { path: '/body/bogus' });
    expectProblem(await call(aliceToken, 'POST', '/workspaces', { json: { name: 'fresh-ws', colour: 'red' } }), 400, { path: '/body/colour' });
    expectProblem(await call(aliceToken, 'POST', '/narratives', { json: { title: 'Fresh', extra: true } }), 400, { path: '/body/extra' });
    expectProblem(await call(aliceToken, 'POST', '/objects/alice-ws/r1/revert', { json: { version: 1, force: true } }), 400, { path: '/body/force' });
  }));

  test('malformed JSON is a 400', () => unchanged('alice-ws', async () => {
    for (const raw of ['{"name": "x", "type":', 'not json', '{"name": "x",}', '']) {
      const r = await call(aliceToken, 'POST', '/workspaces/alice-ws/objects', { raw, type: 'application/json' });
      assert.ok(r.status === 400, `${JSON.stringify(raw)}: ${r.status} ${r.text}`);
      expectProblem(r, 400);
    }
    expectProblem(await call(aliceToken, 'POST', '/workspaces', { raw: '{"name": ', type: 'application/json' }), 400, { detail: /JSON/ });
  }));

  test('file references to a sha256 never uploaded are a 400', () => unchanged('alice-ws', async () => {
    const r = await save(aliceToken, 'alice-ws', { name: 'g9', type: GENOME, data: { geneCount: 1 }, files: [{ name: 'genes.gff', sha256: 'f'.repeat(64) }] });
    expectProblem(r, 400, { path: '/files/0/sha256', detail: /f{64}/ });
  }));

  test('an oversize JSON body is a 413 and saves nothing', () => unchanged('alice-ws', async () => {
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'big', type: REPORT, data: { title: 't', text: 'x'.repeat(100 * KiB) } }), 413);
    const form = multipart([{ name: 'name', value: 'big' }, { name: 'type', value: REPORT }, { name: 'data', value: JSON.stringify({ title: 't', text: 'x'.repeat(100 * KiB) }) }, { name: 'file', filename: 'a.txt', data: Buffer.from('a') }]);
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', form), 413);
  }));
});

describe('bad names (generated)', () => {
  const refused = (detail?: RegExp) => (r: Reply) => { expectProblem(r, 400, detail ? { detail } : {}); return true; };
  test('object names', () => unchanged('alice-ws', async () => {
    await fc.assert(fc.asyncProperty(badName, async (name) => refused()(await save(aliceToken, 'alice-ws', { name, type: REPORT, data: { title: 't' } }))), runs);
  }));
  test('workspace names', () => unchanged('alice-ws', async () => {
    await fc.assert(fc.asyncProperty(badName, async (name) => refused()(await call(aliceToken, 'POST', '/workspaces', { json: { name } }))), runs);
  }));
  test('narrative titles', () => unchanged('alice-ws', async () => {
    await fc.assert(fc.asyncProperty(badTitle, async (title) => refused()(await call(aliceToken, 'POST', '/narratives', { json: { title } }))), runs);
  }));
  test('object names given to a multipart upload', () => unchanged('alice-ws', async () => {
    await fc.assert(fc.asyncProperty(badName, async (name) => refused()(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', reportUpload(name, 'a.txt')))), runs);
  }));
  test('upload file names: control characters, leading dot, all digits, too long', () => unchanged('alice-ws', async () => {
    const arb = fc.oneof(control, word.map((w) => `.${w}`), fc.stringMatching(/^[0-9]{1,12}$/), tooLong, fc.constantFrom('..', '.'));
    await fc.assert(fc.asyncProperty(arb, async (f) => refused(/file name/)(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', reportUpload('fuzzed', f)))), runs);
  }));
  test('upload file names with path traversal are refused, not silently shortened', () => unchanged('alice-ws', async () => {
    await fc.assert(fc.asyncProperty(slashed, async (f) => refused(/file name/)(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', reportUpload('fuzzed', f)))), { numRuns: 30 });
  }));
});

describe('uploads', () => {
  const tmpFiles = () => blobTempFiles(h.home);
  const blobOnDisk = (data: Buffer) => { const sha = createHash('sha256').update(data).digest('hex'); return existsSync(join(h.home, 'blobs', sha.slice(0, 2), sha)); };

  test('an oversize blob or upload file is a 413 and leaves no object, blob or temp file', () => unchanged('alice-ws', async () => {
    const big = Buffer.alloc(300 * KiB, 7);
    expectProblem(await call(aliceToken, 'POST', '/blobs', { raw: big, type: 'application/octet-stream' }), 413);
    const stream = new ReadableStream<Uint8Array>({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(big.subarray(i * 30 * KiB, (i + 1) * 30 * KiB)); c.close(); } });
    expectProblem(await call(aliceToken, 'POST', '/blobs', { raw: stream, type: 'application/octet-stream' }), 413);
    assert.equal(blobOnDisk(big), false, 'the oversize content was kept as a blob');
    assert.deepEqual(tmpFiles(), []);
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', reportUpload('big', 'big.bin', big)), 413);
    assert.equal(blobOnDisk(big), false, 'the oversize upload was kept as a blob');
    assert.deepEqual(tmpFiles(), []);
    assert.equal((await alice.listObjects('alice-ws', { name: 'big' })).total, 0);
  }));

  test('an archive whose files together pass the archive limit is a 413 and imports nothing, though each file is under the per-file limit', async () => {
    const dir = join(h.home, 'too-big-archive');
    mkdirSync(dir);
    for (const name of ['a', 'b', 'c']) writeFileSync(join(dir, name), Buffer.alloc(900 * KiB, 1));
    await run('tar', ['-cf', join(h.home, 'too-big.tar'), '-C', dir, 'a', 'b', 'c']);
    const narratives = (await alice.listNarratives()).length;
    expectProblem(await call(aliceToken, 'POST', '/imports', { raw: readFileSync(join(h.home, 'too-big.tar')), type: 'application/x-tar' }), 413, { detail: /limit of 2097152 bytes for an archive/ });
    assert.equal((await alice.listNarratives()).length, narratives);
  });

  test('a multipart upload with a wrong content type is a 415; one with no file part a 400', () => unchanged('alice-ws', async () => {
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', { raw: '{"name":"x"}', type: 'application/json' }), 415);
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', { raw: 'some text', type: 'text/plain' }), 415);
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', { raw: new Uint8Array([1, 2, 3]) }), 415);
    const noFile = multipart([{ name: 'name', value: 'nofile' }, { name: 'type', value: REPORT }, { name: 'data', value: '{"title":"t"}' }]);
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', noFile), 400, { path: '/files', detail: /file/ });
    // A urlencoded form can never carry a file: it is the wrong media type, not a form missing a part.
    expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-ws/upload', { raw: 'name=x&type=y', type: 'application/x-www-form-urlencoded' }), 415);
  }));
});

describe('references and access', () => {
  test('refs that do not exist are 404s, and saving with one saves nothing', () => unchanged('alice-ws', async () => {
    for (const path of ['/objects/alice-ws/999', '/objects/alice-ws/nosuch', '/objects/99999/1', '/objects/alice-ws/g1/99', '/objects/alice-ws/nosuch/history', '/workspaces/no-such-ws/objects']) {
      expectProblem(await call(aliceToken, 'GET', path), 404);
    }
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'derived', type: REPORT, data: { title: 't' }, inputs: ['alice-ws/nosuch'] }), 404);
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'derived', type: REPORT, data: { title: 't' }, inputs: ['99999/1/1'] }), 404);
    expectProblem(await call(aliceToken, 'POST', '/objects/alice-ws/r1/copy', { json: { to: 'no-such-ws' } }), 404);
  }));

  test('refs into a workspace the caller cannot read are 403s that leak no data', () => unchanged('bob-ws', async () => {
    for (const path of ['/objects/alice-ws/g1', `/objects/${geneRef}`, '/objects/alice-ws/g1/history', '/objects/alice-ws/g1/lineage', '/objects/alice-ws/g1/files/genes.gff', '/objects/alice-ws/nosuch', '/workspaces/alice-ws/objects']) {
      const r = await call(bobToken, 'GET', path);
      expectProblem(r, 403);
      assert.ok(!r.text.includes(SECRET) && !r.text.includes('geneCount') && !r.text.includes('gff-version'), `${path} leaked data: ${r.text}`);
    }
    expectProblem(await save(bobToken, 'bob-ws', { name: 'stolen', type: REPORT, data: { title: 't' }, inputs: ['alice-ws/g1'] }), 403);
    expectProblem(await call(bobToken, 'POST', '/objects/alice-ws/g1/copy', { json: { to: 'bob-ws' } }), 403);
    expectProblem(await save(bobToken, 'alice-ws', { name: 'intruder', type: REPORT, data: { title: 't' } }), 403);
  }, h.users.bob!.client));

  test('saving to a published workspace is a 409', async () => {
    await alice.createWorkspace('alice-pub');
    await alice.saveObject('alice-pub', { name: 'r', type: REPORT, data: { title: 'final' } });
    await alice.publishWorkspace('alice-pub');
    await unchanged('alice-pub', async () => {
      expectProblem(await save(aliceToken, 'alice-pub', { name: 'r', type: REPORT, data: { title: 'changed' } }), 409, { detail: /published/ });
      expectProblem(await save(aliceToken, 'alice-pub', { name: 'new', type: REPORT, data: { title: 'new' } }), 409);
      expectProblem(await call(aliceToken, 'POST', '/workspaces/alice-pub/upload', reportUpload('up', 'a.txt')), 409);
      expectProblem(await call(aliceToken, 'POST', '/objects/alice-pub/r/revert', { json: { version: 1 } }), 409);
    });
  });

  test('a stale write with expectVersion is a 409 and the object stays at its version', () => unchanged('alice-ws', async () => {
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'r1', type: REPORT, data: { title: 'stale' }, expectVersion: 1 }), 409, { detail: /version 2/ });
    expectProblem(await save(aliceToken, 'alice-ws', { name: 'r1', type: REPORT, data: { title: 'stale' }, expectVersion: 0 }), 409);
    const head = await alice.getObject('alice-ws/r1');
    assert.equal(head.ver, 2);
    assert.deepEqual(head.data, { title: 'two' });
  }));

  test('reverting to a version that does not exist is a 404', () => unchanged('alice-ws', async () => {
    expectProblem(await call(aliceToken, 'POST', '/objects/alice-ws/r1/revert', { json: { version: 99 } }), 404, { detail: /99/ });
    expectProblem(await call(aliceToken, 'POST', '/objects/alice-ws/r1/revert', { json: { version: 0 } }), 400, { path: '/body/version' });
  }));
});

describe('Contents API', () => {
  test('traversal and control characters in paths are refused', () => unchanged('alice-ws', async () => {
    const notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
    for (const p of ['..%2F..%2Fetc%2Fpasswd', '..%2Fx.ipynb', 'a%00b.ipynb', 'a%0Ab.ipynb', 'a%1Fb (1).ipynb', 'a%7Fb.ipynb', '..%5C..%5Cx.ipynb']) {
      const got = await call(aliceToken, 'GET', `/contents/${p}`);
      assert.ok(got.status >= 400 && got.status < 500, `GET ${p}: ${got.status}`);
      expectProblem(got, got.status);
      assert.ok(!got.text.includes('root:'));
      const put = await call(aliceToken, 'PUT', `/contents/${p}`, { json: { type: 'notebook', format: 'json', content: notebook } });
      assert.ok(put.status >= 400 && put.status < 500, `PUT ${p}: ${put.status} ${put.text}`);
      expectProblem(put, put.status);
    }
  }));

  test('PUT of a notebook that is not nbformat 4 is a 422 naming the field; the narrative is unchanged', async () => {
    const n = await alice.createNarrative('Checked');
    const path = `/contents/${encodeURIComponent(n.path)}`;
    const versions = async () => (await call(aliceToken, 'GET', `${path}/checkpoints`)).body;
    const before = await versions();
    await unchanged(String(n.wsid), async () => {
      const bad = [
        [{ nbformat: 4, nbformat_minor: 5, metadata: {} }, '/data/cells'],
        [{ nbformat: 3, nbformat_minor: 0, metadata: {}, cells: [] }, '/data/nbformat'],
        [{ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', metadata: {}, source: 'x' }] }, '/data/cells/0/outputs'],
      ] as const;
      for (const [content, field] of bad) expectProblem(await call(aliceToken, 'PUT', path, { json: { type: 'notebook', content } }), 422, { path: field });
      // A new path with a bad notebook must not leave a narrative or workspace behind.
      expectProblem(await call(aliceToken, 'PUT', '/contents/Fresh.ipynb', { json: { type: 'notebook', content: { nbformat: 4, metadata: {} } } }), 422, { path: '/data/cells' });
      for (const content of ['a string', [1, 2], 7, null]) {
        const r = await call(aliceToken, 'PUT', path, { json: { type: 'notebook', content } });
        assert.ok(r.status === 400 || r.status === 422, `content ${JSON.stringify(content)}: ${r.status} ${r.text}`);
        expectProblem(r, r.status);
      }
    });
    assert.deepEqual(await versions(), before);
    assert.equal((await alice.narrative(n.id)).ref, n.ref);
  });
});
