import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiError, failureOf, outputsOf, type Job, type Narrative, type NarrativeClient, type NarrativeRun } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, relayApp, uploadReads } from '../support/test-app.js';

const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An app cell's `narrative.app` metadata as the lab writes it after a run. */
interface AppMetadata {
  id: string;
  version: string;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
  jobId?: number;
  state?: string;
  outputs?: string[];
  cellId?: string;
}
type Cell = { id: string; metadata: { narrative?: { app?: AppMetadata } } };

/** Saves the notebook with exactly these app cells, through the Contents API as the lab does. */
async function saveCells(client: NarrativeClient, narrative: Narrative, cells: { id: string; app: AppMetadata }[]): Promise<void> {
  const notebook = (await client.notebook(narrative.id)) as { cells: unknown[] };
  notebook.cells = cells.map((c) => ({ id: c.id, cell_type: 'code', source: '', outputs: [], execution_count: null, metadata: { narrative: { app: c.app } } }));
  await client.request('PUT', `/contents/${encodeURIComponent(narrative.path)}`, { json: { type: 'notebook', format: 'json', content: notebook } });
}

async function appCells(client: NarrativeClient, id: number): Promise<Map<string, AppMetadata>> {
  const notebook = (await client.notebook(id)) as { cells: Cell[] };
  return new Map(notebook.cells.flatMap((c) => (c.metadata.narrative?.app ? [[c.id, c.metadata.narrative.app] as const] : [])));
}

async function refused(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  assert.fail('the request was not refused');
}

/**
 * Self-contained copies on the local scheduler: a reader's copy holds its own
 * copy of every version its app cells name (an older version than the latest,
 * an object of another workspace) with the same bytes, and re-runs on those
 * alone after the owner unshares. A copy that would reach into a workspace
 * the copier cannot read is refused whole.
 */
describe('self-contained narrative copies (local scheduler)', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  let narrative: Narrative;
  let refsWs: number;
  let copy: Narrative;
  /** Original ref → bob's copy of it, as the copy's cells name them. */
  const copied = new Map<string, string>();
  const originalJobs = new Map<string, Job>();

  const completed = async (started: Job): Promise<Job> => {
    const job = await alice.waitForJob(started.id);
    assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
    return job;
  };
  const ended = async (client: NarrativeClient, run: NarrativeRun): Promise<NarrativeRun> => {
    const deadline = Date.now() + 60_000;
    let current = run;
    while (current.state === 'running') {
      assert.ok(Date.now() < deadline, `run ${run.id} still running: ${JSON.stringify(current.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      current = await client.narrativeRun(run.narrative, run.id);
    }
    return current;
  };

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
    const app = await buildTestApp();
    await h.admin.registerApp(app);
    await h.admin.registerApp(relayApp(app));

    narrative = await alice.createNarrative('Counts');
    const readsV1 = await uploadReads(alice, narrative.wsid, READS, { name: 'reads' });
    const readsV2 = await uploadReads(alice, narrative.wsid, READS + READS, { name: 'reads' });
    assert.match(readsV2, /\/2$/);
    // A public reference workspace whose object has the same name as one of the narrative's.
    refsWs = (await alice.createWorkspace('alice-refs')).id;
    await alice.setPublic(refsWs, true);
    const reference = await uploadReads(alice, refsWs, READS + READS + READS, { name: 'reads' });

    // The cells as the lab leaves them after running: A counts the first reads version, B relays A's count, C counts the reference.
    const run = (cell: string, app: string, reads: string) =>
      alice.run({ app, ws: String(narrative.wsid), inputs: { reads }, params: { mode: app === 'test/relay' ? 'relay' : 'ok' }, narrative: { id: narrative.id, cell } }).then(completed);
    originalJobs.set('cell-a', await run('cell-a', 'test/count-lines', readsV1));
    originalJobs.set('cell-b', await run('cell-b', 'test/relay', outputsOf(originalJobs.get('cell-a')!)[0]!));
    originalJobs.set('cell-c', await run('cell-c', 'test/count-lines', reference));
    const cell = (id: string, app: string, reads: string) => {
      const job = originalJobs.get(id)!;
      return { id, app: { id: app, version: '1.0.0', params: job.params, inputs: { reads }, jobId: job.id, state: 'completed', outputs: outputsOf(job), cellId: id } };
    };
    await saveCells(alice, narrative, [cell('cell-a', 'test/count-lines', readsV1), cell('cell-b', 'test/relay', outputsOf(originalJobs.get('cell-a')!)[0]!), cell('cell-c', 'test/count-lines', reference)]);
    await alice.shareNarrative(narrative.id, { user: 'bob', level: 'read' });
  });
  after(async () => {
    await h?.stop();
  });

  it("copies every version the cells name into the reader's copy, with the same bytes and copiedFrom, and drops the owner's jobs", async () => {
    const original = await appCells(alice, narrative.id);
    copy = await bob.copyNarrative(narrative.id);
    assert.equal(copy.owner, 'bob');
    assert.equal(copy.copiedFrom, narrative.id);
    const cells = await appCells(bob, copy.id);
    assert.deepEqual([...cells.keys()], ['cell-a', 'cell-b', 'cell-c']);
    for (const [id, cell] of cells) {
      const before = original.get(id)!;
      assert.deepEqual([cell.jobId, cell.state, cell.cellId], [undefined, undefined, undefined], `${id}: the owner's run is not the copy's`);
      assert.deepEqual([cell.id, cell.version, cell.params], [before.id, before.version, before.params]);
      const pairs = [[before.inputs['reads']!, cell.inputs['reads']!], ...before.outputs!.map((ref, i) => [ref, cell.outputs![i]!])] as const;
      assert.equal(pairs.length, 2, `${id}: one input and one output`);
      for (const [from, to] of pairs) {
        assert.match(to, new RegExp(`^${copy.wsid}/\\d+/\\d+$`), `${id}: ${from} is named by its copy in bob's workspace`);
        const [was, now] = [await alice.getObject(from), await bob.getObject(to)];
        assert.deepEqual(now.files.map((f) => f.sha256), was.files.map((f) => f.sha256), `${id}: ${to} has the bytes of ${from}`);
        assert.deepEqual(now.data, was.data);
        assert.equal(now.copiedFrom, from);
        assert.equal(now.provenance.copiedFrom, from);
        assert.equal(now.provenance.kind, was.provenance.kind, 'the provenance is kept');
        copied.set(from, to);
      }
    }
    // The original job stays named in its outputs' provenance, and only there.
    const aOutput = await bob.getObject(cells.get('cell-a')!.outputs![0]!);
    assert.equal(aOutput.provenance.app?.jobId, originalJobs.get('cell-a')!.id);

    // Cell A named the first version of reads: its copy has those bytes, while the copy's latest reads is the latest.
    const aInput = await bob.getObject(cells.get('cell-a')!.inputs['reads']!);
    assert.deepEqual(aInput.files.map((f) => f.sha256), [sha256(READS)]);
    assert.equal(aInput.latest, false);
    const readsObjid = (await alice.getObject(`${narrative.wsid}/reads`)).objid;
    const history = await bob.history(`${copy.wsid}/reads`);
    assert.deepEqual(history.map((v) => v.copiedFrom), [`${narrative.wsid}/${readsObjid}/1`, `${narrative.wsid}/${readsObjid}/2`], 'the version A names, then the latest');
    assert.equal((await bob.getObject(`${copy.wsid}/reads`)).files[0]!.sha256, sha256(READS + READS));

    // The reference came along under a name of its own: the copy already has a reads.
    const cInput = await bob.getObject(cells.get('cell-c')!.inputs['reads']!);
    assert.match(cInput.name, new RegExp(`^reads\\.from-${refsWs}-\\d+$`));
    assert.deepEqual(cInput.files.map((f) => f.sha256), [sha256(READS + READS + READS)]);
  });

  it("re-runs the copy on bob's own objects after alice unshares the narrative and the reference", async () => {
    assert.ok(copy, 'the copy was made');
    await alice.shareNarrative(narrative.id, { user: 'bob', level: 'none' });
    await alice.setPublic(refsWs, false);
    for (const from of copied.keys()) assert.equal((await refused(bob.getObject(from))).status, 403, `bob can no longer read ${from}`);

    const run = await ended(bob, await bob.runAll(copy.id));
    assert.equal(run.state, 'completed', JSON.stringify(run.steps.map((s) => [s.cell, s.job.state, failureOf(s.job)])));
    assert.deepEqual(run.steps.map((s) => s.cell), ['cell-a', 'cell-b', 'cell-c']);
    assert.deepEqual(run.steps.map((s) => s.after), [[], [run.steps[0]!.job.id], []], "cell B still waits for cell A, whose output it names through the copy");
    for (const step of run.steps) {
      assert.equal(step.job.wsid, copy.wsid, `${step.cell} runs in bob's workspace`);
      for (const input of step.job.inputs) assert.match(input.resolved, new RegExp(`^${copy.wsid}/`), `${step.cell} reads ${input.resolved}, one of bob's objects`);
      // The same bytes in, the same count out: each step made what the original's run made.
      const made = await bob.downloadFile(outputsOf(step.job)[0]!, 'lines.txt');
      const was = await alice.downloadFile(outputsOf(originalJobs.get(step.cell!)!)[0]!, 'lines.txt');
      assert.equal(await made.text(), await was.text(), `${step.cell} counted what the original counted`);
    }
    assert.equal((await (await bob.downloadFile(outputsOf(run.steps[0]!.job)[0]!, 'lines.txt')).text()).trim(), '8', 'cell A counted the first version of reads');

    // A run of one cell as the lab makes it (POST /jobs with the cell's inputs) reads bob's copy too.
    const cell = (await appCells(bob, copy.id)).get('cell-c')!;
    const single = await bob.waitForJob((await bob.run({ app: cell.id, version: cell.version, ws: String(copy.wsid), inputs: cell.inputs, params: cell.params, narrative: { id: copy.id, cell: 'cell-c' } })).id);
    assert.equal(single.state, 'completed', JSON.stringify(failureOf(single)));
    assert.deepEqual(single.inputs.map((i) => i.resolved), [cell.inputs['reads']]);
  });

  it('refuses, whole, a copy whose cell names an object the copier cannot read, and copies it once she can', async () => {
    const secret = (await alice.createWorkspace('alice-private')).id;
    const hidden = await uploadReads(alice, secret, READS, { name: 'hidden' });
    const shared = await alice.createNarrative('Uses a private object');
    const own = await uploadReads(alice, shared.wsid, READS, { name: 'own' });
    const unversioned = own.replace(/\/\d+$/, '');
    const cell = (id: string, reads: string) => ({ id, app: { id: 'test/count-lines', version: '1.0.0', params: { mode: 'ok' }, inputs: { reads } } });
    await saveCells(alice, shared, [cell('own', unversioned), cell('private', hidden), cell('broken', 'not a ref'), cell('gone', `${shared.wsid}/99/1`)]);
    await alice.shareNarrative(shared.id, { user: 'bob', level: 'read' });

    const narrativesBefore = (await bob.listNarratives()).length;
    const workspacesBefore = (await bob.listWorkspaces()).length;
    const refusal = await refused(bob.copyNarrative(shared.id));
    assert.equal(refusal.status, 403);
    assert.match(refusal.problem.detail ?? '', new RegExp(`Cell 2 names ${hidden} \\(input reads\\) in workspace ${secret}, which you cannot read`));
    assert.match(refusal.problem.detail ?? '', /nothing was copied/);
    assert.equal((await bob.listNarratives()).length, narrativesBefore, 'no narrative was left behind');
    assert.equal((await bob.listWorkspaces()).length, workspacesBefore, 'no workspace was left behind');

    await alice.setPermission(secret, 'bob', 'read');
    const made = await bob.copyNarrative(shared.id);
    const cells = await appCells(bob, made.id);
    const ownCopy = await bob.getObject(`${made.wsid}/own`);
    assert.equal(cells.get('own')!.inputs['reads'], `${made.wsid}/${ownCopy.objid}`, 'a reference without a version still means the latest, of the copy');
    assert.match(cells.get('private')!.inputs['reads']!, new RegExp(`^${made.wsid}/\\d+/1$`));
    assert.equal((await bob.getObject(cells.get('private')!.inputs['reads']!)).copiedFrom, hidden);
    assert.deepEqual([cells.get('broken')!.inputs['reads'], cells.get('gone')!.inputs['reads']], ['not a ref', `${shared.wsid}/99/1`], 'what names nothing is left as it was');
  });
});
