import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { failureOf, outputsOf, type Job, type Narrative, type NarrativeClient } from '@narrative/server/client';
import type { Browser } from 'playwright-core';
import { asSignedIn, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

/**
 * A reader's copy in the real lab re-runs on the reader's own objects: bob
 * copies alice's shared narrative from its reader banner, alice unshares it
 * (through the API), and Run in the copy's app cell still completes, reading
 * only objects of bob's workspace.
 */
describe("a reader's copy runs without the original", { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  let narrative: Narrative;
  let original: Job;

  before(async () => {
    h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    await h.admin.registerApp(await buildTestApp());
    const { token } = await h.admin.createUser('alice', 'user', 'alice-password');
    alice = h.client(token);
    bob = h.client((await h.admin.createUser('bob', 'user', 'bob-password')).token);
    // Alice's narrative as the lab leaves it: an app cell that ran on her reads, saved with its job and output.
    narrative = await alice.createNarrative('Line counts');
    const reads = await uploadReads(alice, narrative.wsid, READS, { name: 'reads.fastq' });
    original = await alice.waitForJob((await alice.run({ app: 'test/count-lines', ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'ok' }, narrative: { id: narrative.id, cell: 'count' } })).id);
    assert.equal(original.state, 'completed', JSON.stringify(failureOf(original)));
    const notebook = (await alice.notebook(narrative.id)) as { cells: unknown[] };
    const app = { id: 'test/count-lines', version: '1.0.0', params: { mode: 'ok' }, inputs: { reads }, jobId: original.id, state: 'completed', outputs: outputsOf(original), cellId: 'count' };
    notebook.cells = [{ id: 'count', cell_type: 'code', source: '', outputs: [], execution_count: null, metadata: { narrative: { app } } }];
    await alice.request('PUT', `/contents/${encodeURIComponent(narrative.path)}`, { json: { type: 'notebook', format: 'json', content: notebook } });
    await alice.shareNarrative(narrative.id, { user: 'bob', level: 'read' });
    ({ browser, stop: stopBrowser } = await launchChromium());
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('bob copies the shared narrative, alice unshares it, and Run in his copy completes on his own objects', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const problems = recordProblems(page);
    await signInToLab(page, h.server.url, narrative.link, 'bob', 'bob-password');
    const reader = page.locator('.jp-NotebookPanel.jp-narrative-mod-reader');
    await reader.locator('.jp-narrative-ReaderBanner').waitFor({ timeout: 60_000 });
    await reader.locator('.jp-narrative-AppCellBody .jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 30_000 });

    await reader.locator('.jp-narrative-ReaderCopy').click();
    const copy = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden):not(.jp-narrative-mod-reader)');
    const cell = copy.locator('.jp-narrative-AppCellBody');
    await cell.locator('.jp-narrative-AppRun:not([disabled])').waitFor({ timeout: 60_000 });
    const tab = page.locator('.lm-TabBar-tab.lm-mod-current', { hasText: /\.ipynb/ });
    const copyId = Number((await tab.innerText()).match(/\((\d+)\)\.ipynb/)![1]);
    const copied = await asSignedIn<Narrative>(page, 'GET', `/api/v1/narratives/${copyId}`);
    assert.deepEqual([copied.owner, copied.copiedFrom], ['bob', narrative.id]);
    // The copy's cell names bob's copy of the reads and starts without alice's run.
    assert.match(await cell.locator('.jp-narrative-AppInputRef').inputValue(), new RegExp(`^${copied.wsid}/\\d+/1$`));
    assert.equal(await cell.locator('.jp-narrative-AppState').count(), 0, "alice's job is not the copy's");

    // Alice takes bob's access away; his Run still completes.
    await alice.shareNarrative(narrative.id, { user: 'bob', level: 'none' });
    await cell.locator('.jp-narrative-AppRun').click();
    const state = cell.locator('.jp-narrative-AppState[data-state="completed"]');
    await state.waitFor({ timeout: 60_000 });
    await cell.locator(`.jp-narrative-AppOutput[data-ref^="${copied.wsid}/"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('narrative-copy.png') });

    const jobId = Number((await state.innerText()).match(/Job (\d+)/)![1]);
    assert.notEqual(jobId, original.id);
    const job = await bob.job(jobId);
    assert.equal(job.user, 'bob');
    assert.equal(job.wsid, copied.wsid);
    assert.ok(job.inputs.length > 0);
    for (const input of job.inputs) assert.match(input.resolved, new RegExp(`^${copied.wsid}/`), `${input.name} is one of bob's objects`);
    const counted = await (await bob.downloadFile(outputsOf(job)[0]!, 'lines.txt')).text();
    assert.equal(counted.trim(), '8', 'the same reads, counted again');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
