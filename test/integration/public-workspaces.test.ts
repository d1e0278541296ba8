import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startHarness, type Harness } from '../support/harness.js';

describe('GET /workspaces?public=true: every public workspace', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
  });
  after(() => h.stop());

  it('lists public and published workspaces of any owner, with the caller’s level, and never private ones', async () => {
    const alice = h.users.alice!.client;
    const bob = h.users.bob!.client;
    const open = await alice.createWorkspace('alice-open');
    const closed = await alice.createWorkspace('alice-closed');
    const published = await alice.createWorkspace('alice-published');
    const unshared = await alice.createWorkspace('alice-unshared-again');
    await alice.setPublic(open.id, true);
    await alice.publishWorkspace(published.id);
    await alice.setPublic(unshared.id, true);
    await alice.setPublic(unshared.id, false);

    const listed = await bob.listWorkspaces({ public: true });
    const ids = listed.map((w) => w.id);
    assert.ok(ids.includes(open.id), 'a public workspace bob was never given');
    assert.ok(ids.includes(published.id), 'a published workspace');
    assert.ok(!ids.includes(closed.id), 'a private workspace');
    assert.ok(!ids.includes(unshared.id), 'a workspace made private again');
    assert.ok(listed.every((w) => w.public), 'only public workspaces');
    const seen = listed.find((w) => w.id === open.id)!;
    assert.equal(seen.owner, 'alice');
    assert.equal(seen.level, 'read');
    assert.equal(listed.find((w) => w.id === published.id)!.published, true);

    // The owner sees her own public workspaces there too, as admin.
    assert.equal((await alice.listWorkspaces({ public: true })).find((w) => w.id === open.id)?.level, 'admin');

    // Without the query (or with public=false) the listing is unchanged: only what bob owns or was given.
    for (const plain of [await bob.listWorkspaces(), await bob.listWorkspaces({ public: false })]) {
      const plainIds = plain.map((w) => w.id);
      assert.ok(!plainIds.includes(open.id) && !plainIds.includes(published.id) && !plainIds.includes(closed.id));
    }
    await alice.setPermission(closed.id, 'bob', 'read');
    assert.ok((await bob.listWorkspaces()).some((w) => w.id === closed.id), 'a granted private workspace is in the plain listing');
    assert.ok(!(await bob.listWorkspaces({ public: true })).some((w) => w.id === closed.id), 'but not in the public one');
  });

  it('stops listing the workspace of a public narrative once it is deleted', async () => {
    const alice = h.users.alice!.client;
    const bob = h.users.bob!.client;
    const narrative = await alice.createNarrative('Deleted later');
    await alice.shareNarrative(narrative.id, { public: true });
    assert.ok((await bob.listWorkspaces({ public: true })).some((w) => w.id === narrative.wsid), 'listed while the narrative lives');
    await alice.deleteNarrative(narrative.id);
    assert.ok(!(await bob.listWorkspaces({ public: true })).some((w) => w.id === narrative.wsid), 'gone with the narrative');
  });

  it('refuses a bad or unknown query with a 400 problem, and anonymous callers with 401', async () => {
    const token = h.users.bob!.token;
    for (const search of ['?public=maybe', '?public=true&public=false', '?mine=true']) {
      const res = await h.fetch(`/api/v1/workspaces${search}`, { headers: bearer(token) });
      assert.equal(res.status, 400, `${search}: ${await res.clone().text()}`);
      assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/problem+json');
      const problem = (await res.json()) as { status: number; errors?: { path: string }[] };
      assert.equal(problem.status, 400);
      assert.ok(problem.errors?.some((e) => e.path.startsWith('/query')), `${search}: names the query field`);
    }
    assert.equal((await h.fetch('/api/v1/workspaces?public=true')).status, 401);
  });
});
