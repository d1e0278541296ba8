import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NarrativeClient } from '@narrative/server/client';
import { bearer, startHarness, type Harness } from '../support/harness.js';

const REPORT = 'Report.Report-1.0';
/** Longer than the old depth cap of 100: the whole chain must still come back. */
const STEPS = 130;

describe('lineage pages through the API', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  const chain: string[] = [];
  let shared: number;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
    const wsid = (await alice.createWorkspace('alice-chain')).id;
    for (let i = 0; i < STEPS; i++) {
      const saved = await alice.saveObject(wsid, { name: `step-${i}`, type: REPORT, data: { title: `step ${i}` }, inputs: chain.slice(-1) });
      chain.push(saved.ref);
    }
    shared = (await alice.createWorkspace('alice-shared')).id;
    await alice.setPermission(shared, 'bob', 'read');
  });
  after(() => h.stop());

  it('gives the whole of a chain deeper than 100 steps without a depth, in one call', async () => {
    const whole = await alice.lineage(chain.at(-1)!, 'ancestors');
    assert.equal(whole.next, null);
    assert.deepEqual(whole.nodes.map((n) => n.ref), chain);
    assert.equal(whole.edges.length, STEPS - 1);
    assert.deepEqual(whole.nodes[0], { ref: chain[0], accessible: true, name: 'step-0', type: REPORT });
  });

  it('pages it by limit and cursor: each version and each link once, the same as the whole', async () => {
    const nodes: string[] = [];
    const edges: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await alice.lineage(chain[0]!, 'descendants', undefined, { limit: 50, ...(cursor ? { cursor } : {}) });
      assert.ok(page.nodes.length <= 50);
      nodes.push(...page.nodes.map((n) => n.ref));
      edges.push(...page.edges.map((e) => `${e.from}>${e.to}`));
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor);
    assert.equal(pages, Math.ceil(STEPS / 50));
    assert.deepEqual(nodes, chain);
    assert.deepEqual(edges.sort(), chain.slice(1).map((ref, i) => `${chain[i]}>${ref}`).sort());
    const whole = await alice.wholeLineage(chain[0]!, 'descendants');
    assert.deepEqual(whole.nodes.map((n) => n.ref), chain);
  });

  it('stops at a depth', async () => {
    const shallow = await alice.lineage(chain.at(-1)!, 'ancestors', 10);
    assert.deepEqual(shallow.nodes.map((n) => n.ref), chain.slice(-11));
    assert.equal(shallow.edges.length, 10);
  });

  it('names only the versions the caller may read', async () => {
    const report = await alice.saveObject(shared, { name: 'report', type: REPORT, data: { title: 'shared' }, inputs: [chain.at(-1)!] });
    const seen = await bob.lineage(report.ref, 'ancestors', 1);
    assert.deepEqual(seen.nodes.sort((a, b) => a.ref.localeCompare(b.ref)), [{ ref: chain.at(-1), accessible: false }, { ref: report.ref, accessible: true, name: 'report', type: REPORT }].sort((a, b) => a.ref!.localeCompare(b.ref!)));
    const whole = await bob.lineage(report.ref, 'ancestors');
    assert.deepEqual(whole.nodes.map((n) => n.ref).sort(), [chain.at(-1), report.ref].sort(), 'nothing beyond the first version bob cannot read');
    assert.deepEqual(whole.edges, [{ from: chain.at(-1), to: report.ref, relation: 'input' }]);
  });

  it('names every version the caller may read, in whichever workspace it lies', async () => {
    const summary = await alice.saveObject(shared, { name: 'summary', type: REPORT, data: { title: 'summary' }, inputs: [chain.at(-1)!] });
    const seen = await alice.lineage(summary.ref, 'ancestors', 2);
    const step = (i: number) => ({ ref: chain[i], accessible: true, name: `step-${i}`, type: REPORT });
    assert.deepEqual(seen.nodes, [step(STEPS - 2), step(STEPS - 1), { ref: summary.ref, accessible: true, name: 'summary', type: REPORT }]);
    assert.deepEqual(seen.edges, [
      { from: chain.at(-2), to: chain.at(-1), relation: 'input' },
      { from: chain.at(-1), to: summary.ref, relation: 'input' },
    ]);
  });

  it('refuses a malformed cursor, depth or limit with 400', async () => {
    const [wsid, objid] = chain[0]!.split('/');
    for (const query of ['cursor=1/2', 'cursor=x/1/1', 'cursor=1234567890123456/1/1', 'depth=0', 'depth=1001', 'limit=0', 'limit=50001']) {
      const response = await h.fetch(`/api/v1/objects/${wsid}/${objid}/lineage?${query}`, { headers: bearer(h.users.alice!.token) });
      assert.equal(response.status, 400, query);
    }
  });
});
