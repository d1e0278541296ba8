import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { NarrativeClient } from '@narrative/server/client';
import { bearer, startHarness, type Harness } from '../support/harness.js';

const run = promisify(execFile);

interface Model {
  name: string;
  path: string;
  type: string;
  format: string | null;
  content: unknown;
  last_modified: string;
  writable: boolean;
}

interface Notebook {
  cells: { id?: string; cell_type: string; source: string; metadata: Record<string, unknown>; outputs?: unknown[]; execution_count?: number | null }[];
  metadata: { narrative?: { id: number; title: string; wsid: number } } & Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Validates with Debian's python3-nbformat (the system interpreter, where Debian installs it). */
async function nbformatValidate(notebook: unknown): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nbformat-'));
  const file = join(dir, 'narrative.ipynb');
  await writeFile(file, JSON.stringify(notebook));
  const script = 'import sys, nbformat; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print("valid", len(nb.cells))';
  const { stdout } = await run('/usr/bin/python3', ['-c', script, file]);
  assert.match(stdout, /^valid \d+/);
}

describe('narratives through the Jupyter Contents wire format', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let contents: (path: string, init?: { method?: string; body?: unknown; token?: string }) => Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any

  before(async () => {
    h = await startHarness(['alice', 'bob', 'carol']);
    alice = h.users.alice!.client;
    contents = async (path, init = {}) => {
      const response = await h.fetch(`/api/v1/contents/${path.split('/').map(encodeURIComponent).join('/')}`, {
        method: init.method ?? 'GET',
        headers: { ...bearer(init.token ?? h.users.alice!.token), 'Content-Type': 'text/plain' },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: response.status, body: response.status === 204 ? null : await response.json() };
    };
  });
  after(() => h.stop());

  it('creates a narrative in its own workspace with a valid nbformat 4 notebook', async () => {
    const n = await alice.createNarrative('Pseudomonas study');
    assert.equal(n.path, `Pseudomonas study (${n.id}).ipynb`);
    assert.equal(n.link, `/n/${n.id}`);
    const ws = await alice.workspace(n.wsid);
    assert.equal(ws.narrativeId, n.id);
    const notebook = (await alice.notebook(n.id)) as unknown as Notebook;
    assert.deepEqual(notebook.metadata.narrative, { id: n.id, title: 'Pseudomonas study', wsid: n.wsid });
    await nbformatValidate(notebook);
  });

  it('lists narratives as a directory and opens one as a notebook model', async () => {
    const n = await alice.createNarrative('Listing');
    const dir = await contents('');
    assert.equal(dir.status, 200);
    assert.equal(dir.body.type, 'directory');
    const entry = (dir.body.content as Model[]).find((m) => m.path === n.path);
    assert.ok(entry, 'the new narrative is listed');
    assert.equal(entry.content, null);
    const opened = await contents(n.path);
    assert.equal(opened.status, 200);
    assert.equal(opened.body.type, 'notebook');
    assert.equal(opened.body.format, 'json');
    assert.equal(opened.body.writable, true);
    assert.equal((opened.body.content as Notebook).nbformat, 4);
    const light = await h.fetch(`/api/v1/contents/${encodeURIComponent(n.path)}?content=0`, { headers: bearer(h.users.alice!.token) });
    const lightModel = (await light.json()) as Model;
    assert.equal(lightModel.content, null);
    assert.equal(lightModel.format, null);
  });

  it('saves (PUT) as a new version, loads it back, and validates with nbformat', async () => {
    const n = await alice.createNarrative('Saving');
    const { body: model } = await contents(n.path);
    const notebook = model.content as Notebook;
    notebook.cells.push({ id: 'code-1', cell_type: 'code', source: 'print(1 + 1)', metadata: {}, outputs: [], execution_count: null });
    notebook.cells.push({ id: 'app-1', cell_type: 'markdown', source: 'app cell', metadata: { narrative: { app: { id: 'megahit/megahit@1.2.9', state: 'created' } } } });
    notebook.metadata.narrative = { id: 999, title: 'forged', wsid: 999 };
    const saved = await contents(n.path, { method: 'PUT', body: { type: 'notebook', format: 'json', content: notebook } });
    assert.equal(saved.status, 200);
    assert.equal(saved.body.content, null);
    const loaded = (await contents(n.path)).body.content as Notebook;
    assert.equal(loaded.cells.length, 3);
    assert.deepEqual(loaded.cells[2]!.metadata, { narrative: { app: { id: 'megahit/megahit@1.2.9', state: 'created' } } });
    assert.deepEqual(loaded.metadata.narrative, { id: n.id, title: 'Saving', wsid: n.wsid }, 'the server owns the narrative stamp');
    await nbformatValidate(loaded);
    const history = await alice.history(`${n.wsid}/narrative`);
    assert.equal(history.length, 2);
  });

  it('exposes versions as checkpoints and restores one', async () => {
    const n = await alice.createNarrative('Checkpoints');
    const first = (await contents(n.path)).body.content as Notebook;
    const changed = structuredClone(first);
    changed.cells[0]!.source = 'changed';
    await contents(n.path, { method: 'PUT', body: { type: 'notebook', format: 'json', content: changed } });
    const list = await contents(`${n.path}/checkpoints`);
    assert.deepEqual(list.body.map((c: { id: string }) => c.id), ['1', '2']);
    const created = await contents(`${n.path}/checkpoints`, { method: 'POST' });
    assert.equal(created.status, 201);
    assert.equal(created.body.id, '2');
    const restored = await contents(`${n.path}/checkpoints/1`, { method: 'POST' });
    assert.equal(restored.status, 204);
    const now = (await contents(n.path)).body.content as Notebook;
    assert.equal(now.cells[0]!.source, first.cells[0]!.source);
    const refused = await contents(`${n.path}/checkpoints/1`, { method: 'DELETE' });
    assert.equal(refused.status, 409);
    assert.equal((await contents(`${n.path}/checkpoints`)).body.length, 3);
  });

  it('creates untitled narratives (POST), saves to a new path, renames (PATCH), copies and deletes', async () => {
    const untitled = await contents('', { method: 'POST', body: { type: 'notebook' } });
    assert.equal(untitled.status, 201);
    assert.match(untitled.body.path, /^Untitled \(\d+\)\.ipynb$/);
    const renamed = await contents(untitled.body.path, { method: 'PATCH', body: { path: 'Growth curves.ipynb' } });
    assert.equal(renamed.status, 200);
    assert.match(renamed.body.path, /^Growth curves \(\d+\)\.ipynb$/);
    const id = Number(/\((\d+)\)/.exec(renamed.body.path)![1]);
    assert.equal((await alice.narrative(id)).title, 'Growth curves');
    assert.equal(((await alice.notebook(id)) as unknown as Notebook).metadata.narrative!.title, 'Growth curves');

    const nb = (await contents(renamed.body.path)).body.content;
    const savedAs = await contents('Saved as.ipynb', { method: 'PUT', body: { type: 'notebook', format: 'json', content: nb } });
    assert.equal(savedAs.status, 201);
    assert.match(savedAs.body.path, /^Saved as \(\d+\)\.ipynb$/);

    const copied = await contents('', { method: 'POST', body: { copy_from: renamed.body.path } });
    assert.equal(copied.status, 201);
    assert.match(copied.body.path, /^Copy of Growth curves \(\d+\)\.ipynb$/);

    assert.equal((await contents(renamed.body.path, { method: 'DELETE' })).status, 204);
    assert.equal((await contents(renamed.body.path)).status, 404);
    const traversal = await h.fetch('/api/v1/contents/Saved%20as.ipynb%2F..%2F..%2Fx.ipynb', { headers: bearer(h.users.alice!.token) });
    assert.equal(traversal.status, 400);
  });

  it('shares: readers open it read-only and can copy it with its data; others are refused', async () => {
    const n = await alice.createNarrative('Shared');
    const reads = await alice.saveObject(n.wsid, { name: 'stats', type: 'Report.Report-1.0', data: { title: 'assembly stats' } });
    const bob = h.users.bob!;
    assert.equal((await contents(n.path, { token: bob.token })).status, 403);
    await alice.shareNarrative(n.id, { user: 'bob', level: 'read' });
    const opened = await contents(n.path, { token: bob.token });
    assert.equal(opened.status, 200);
    assert.equal(opened.body.writable, false);
    const write = await contents(n.path, { method: 'PUT', token: bob.token, body: { type: 'notebook', format: 'json', content: opened.body.content } });
    assert.equal(write.status, 403);

    const copy = await bob.client.copyNarrative(n.id);
    assert.equal(copy.owner, 'bob');
    assert.equal(copy.copiedFrom, n.id);
    const copiedObjects = await bob.client.listObjects(copy.wsid);
    const stats = copiedObjects.items.find((o) => o.name === 'stats');
    assert.equal(stats?.copiedFrom, reads.ref);
    const copiedNotebook = (await bob.client.notebook(copy.id)) as unknown as Notebook;
    assert.equal(copiedNotebook.metadata.narrative!.id, copy.id);
    await nbformatValidate(copiedNotebook);
  });

  it('share link /n/<id> opens for those allowed and refuses others with a clear message', async () => {
    const n = await alice.createNarrative('Linked <b>bold');
    const asJson = (token?: string) => h.fetch(n.link, { headers: { Accept: 'application/json', ...(token ? bearer(token) : {}) } });
    const mine = await asJson(h.users.alice!.token);
    assert.equal(mine.status, 200);
    assert.equal(((await mine.json()) as { title: string }).title, 'Linked <b>bold');

    const anonymous = await asJson();
    assert.equal(anonymous.status, 401);
    assert.match(((await anonymous.json()) as { detail: string }).detail, /sign in/i);
    const carol = await asJson(h.users.carol!.token);
    assert.equal(carol.status, 403);
    assert.match(((await carol.json()) as { detail: string }).detail, /no access/);

    const page = await h.fetch(n.link, { headers: { Accept: 'text/html' } });
    assert.equal(page.status, 401);
    const html = await page.text();
    assert.match(html, /Sign in/);
    assert.doesNotMatch(html, /Linked/, 'the refusal does not reveal the title');

    await alice.shareNarrative(n.id, { public: true });
    const publicPage = await h.fetch(n.link, { headers: { Accept: 'text/html' } });
    assert.equal(publicPage.status, 200);
    const text = await publicPage.text();
    assert.match(text, /Linked &#60;b&#62;bold/, 'titles are escaped');
    assert.match(text, /read-only/);
    assert.equal((await h.fetch('/n/99999', { headers: { Accept: 'application/json' } })).status, 404);
    assert.equal((await h.fetch('/n/abc', { headers: { Accept: 'application/json' } })).status, 404);
  });

  it('publishing locks the narrative and its data forever', async () => {
    const n = await alice.createNarrative('Final');
    const published = await alice.publishNarrative(n.id);
    assert.equal(published.published, true);
    assert.equal(published.public, true);
    const { body } = await contents(n.path);
    assert.equal(body.writable, false);
    const save = await contents(n.path, { method: 'PUT', body: { type: 'notebook', format: 'json', content: body.content } });
    assert.equal(save.status, 409);
    assert.match(save.body.detail, /published/);
    await assert.rejects(alice.shareNarrative(n.id, { public: false }), (e: { status: number }) => e.status === 409);
    const anonymous = await h.fetch(`/api/v1/contents/${encodeURIComponent(n.path)}`);
    assert.equal(anonymous.status, 200);
  });
});
