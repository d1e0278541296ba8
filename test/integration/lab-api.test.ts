import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { STAND_IN_PLUGIN, writeStandInLab } from '../support/stand-in-lab.js';

/**
 * The server side of the lab (settings, workspaces, translations, identity,
 * the page) against a small stand-in for the built bundle: one plugin schema,
 * one entry script. The browser tests load the real bundle.
 */
describe('the lab page and its server APIs', () => {
  let h: Harness;
  let lab: string;
  let alice: string;
  let bob: string;
  const PLUGIN = STAND_IN_PLUGIN;

  const call = (path: string, token: string | null, init: RequestInit = {}) =>
    h.fetch(path, { redirect: 'manual', ...init, headers: { ...(token ? bearer(token) : {}), 'Content-Type': 'application/json' } });

  before(async () => {
    lab = await mkdtemp(join(tmpdir(), 'narrative-lab-'));
    await writeStandInLab(lab);
    h = await startHarness(['alice', 'bob'], { labDir: lab });
    alice = h.users.alice!.token;
    bob = h.users.bob!.token;
  });
  after(async () => {
    await h.stop();
    await rm(lab, { recursive: true, force: true });
  });

  it('sends a visitor who is not signed in to the sign-in page, and back', async () => {
    const response = await call('/lab/tree/Story%20(1).ipynb', null);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), `/login?next=${encodeURIComponent('/lab/tree/Story%20(1).ipynb')}`);
  });

  it('serves the page with its config and the bundle to a signed-in user', async () => {
    const html = await (await call('/lab/tree/Story%20(1).ipynb', alice)).text();
    const config = JSON.parse(/<script id="jupyter-config-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as Record<string, unknown>;
    assert.equal(config.treePath, 'Story (1).ipynb');
    assert.equal(config.settingsUrl, '/lab/api/settings');
    assert.equal(config.token, '', 'no token in the page: the session cookie authenticates');
    assert.match(html, /<script src="\/lab\/static\/bundle.js\?v=1"><\/script>/);
    assert.equal(await (await call('/lab/static/bundle.js', null)).text(), 'console.log("lab")');
    assert.equal((await call('/lab/api/themes/@jupyterlab/theme-light-extension/index.css', null)).status, 200);
  });

  it("keeps each user's settings and workspaces apart, and refuses anonymous callers", async () => {
    const listed = (await (await call('/lab/api/settings', alice)).json()) as { settings: { id: string; raw: string; schema: unknown }[] };
    assert.deepEqual(listed.settings.map((s) => [s.id, s.raw]), [[PLUGIN, '{}']]);
    assert.ok(listed.settings[0]!.schema);
    const put = await call(`/lab/api/settings/${PLUGIN}`, alice, { method: 'PUT', body: JSON.stringify({ raw: '{ "size": 5 }' }) });
    assert.equal(put.status, 204);
    assert.equal(((await (await call(`/lab/api/settings/${PLUGIN}`, alice)).json()) as { raw: string }).raw, '{ "size": 5 }');
    assert.equal(((await (await call(`/lab/api/settings/${PLUGIN}`, bob)).json()) as { raw: string }).raw, '{}');
    assert.equal((await call('/lab/api/settings/@nobody/nothing:x', alice)).status, 404);

    const layout = { data: { 'layout-restorer:data': { main: null } }, metadata: { id: 'default' } };
    assert.equal((await call('/lab/api/workspaces/default', alice, { method: 'PUT', body: JSON.stringify(layout) })).status, 204);
    assert.deepEqual(await (await call('/lab/api/workspaces/default', alice)).json(), layout);
    assert.deepEqual(await (await call('/lab/api/workspaces/default', bob)).json(), { data: {}, metadata: { id: 'default' } });

    assert.equal((await call('/lab/api/settings', null)).status, 401);
    assert.equal((await call('/lab/api/workspaces/default', null)).status, 401);
    assert.equal((await call('/api/me', null)).status, 401);
  });

  it('tells the lab who is signed in, and which languages it has', async () => {
    const me = (await (await call('/api/me', alice)).json()) as { identity: { username: string } };
    assert.equal(me.identity.username, 'alice');
    const languages = (await (await call('/lab/api/translations', alice)).json()) as { data: Record<string, unknown> };
    assert.ok(languages.data.en);
  });
});
