import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { outputsOf, type Job, type Narrative, type NarrativeClient } from '@narrative/server/client';
import type { Browser, Locator, Page } from 'playwright-core';
import { asSignedIn, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { saveAppCells } from '../support/app-cells.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

const READS = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nTTGCAACGTA\n+\nIIIIIIIIII\n';
const CELL = 'counting';

/**
 * Run history in the real lab: an app cell run three times with different
 * parameters keeps all three runs listed, newest first, each with its state,
 * who ran it and the parameter that changed; a click shows an earlier run's
 * own log and outputs in the cell, Latest goes back, and after a save and a
 * reload the server still lists every run.
 */
describe('the run history of an app cell', { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let alice: NarrativeClient;
  let narrative: Narrative;

  before(async () => {
    h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    const { token } = await h.admin.createUser('alice', 'user', 'alice-password');
    alice = h.client(token);
    const app = await buildTestApp();
    await h.admin.registerApp(app);
    narrative = await alice.createNarrative('Counting, three ways');
    const reads = await uploadReads(alice, narrative.wsid, READS, { name: 'reads.fastq' });
    await saveAppCells(alice, narrative, [{ id: CELL, app: app.id, version: app.version, params: { mode: 'ok' }, inputs: { reads } }]);
    ({ browser, stop: stopBrowser } = await launchChromium());
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('keeps three runs and shows each', { timeout: 120_000 }, async (t) => {
    const started = Date.now();
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const problems = recordProblems(page);
    await signInToLab(page, h.server.url, narrative.link, 'alice', 'alice-password');
    const body = page.locator('.jp-narrative-AppCell .jp-narrative-AppCellBody');
    await body.locator('.jp-narrative-AppRun:not([disabled])').waitFor({ timeout: 60_000 });
    const opened = Date.now();

    const ok = await runWith(body, 'ok', 'completed', null);
    const failed = await runWith(body, 'fail', 'failed', ok);
    const random = await runWith(body, 'random', 'completed', failed);
    const ran = Date.now();
    const [first, latest] = await Promise.all([ok, random].map((id) => alice.job(id)));
    const firstOutput = outputsOf(first!)[0]!;
    const latestOutput = outputsOf(latest!)[0]!;

    // Three rows, newest first: state, who, the parameter that changed; the latest is the one shown.
    const rows = body.locator('.jp-narrative-Run');
    await waitForCount(rows, 3);
    assert.deepEqual(await attributes(rows, 'data-job'), [random, failed, ok].map(String));
    assert.deepEqual(await attributes(rows.locator('.jp-narrative-RunState'), 'data-state'), ['completed', 'failed', 'completed']);
    assert.match(await rows.nth(1).locator('.jp-narrative-RunStatus').innerText(), /exited with code 3/);
    assert.deepEqual(await rows.locator('.jp-narrative-RunChanges').allInnerTexts(), ['mode: fail → random', 'mode: ok → fail'], 'the first run has none before it');
    assert.deepEqual(await rows.locator('.jp-narrative-RunWho').allInnerTexts(), ['alice', 'alice', 'alice']);
    assert.ok(await rows.first().locator('.jp-narrative-RunWhen').getAttribute('title'), 'the exact time is in its title');
    assert.deepEqual(await rows.evaluateAll((nodes) => nodes.map((n) => n.classList.contains('jp-mod-shown'))), [true, false, false]);
    assert.deepEqual(await attributes(rows.nth(2).locator('.jp-narrative-RunOutput'), 'data-ref'), [firstOutput]);
    assert.match(await body.locator('.jp-narrative-RunResources').innerText(), /Asked for 1 CPU · 64 MiB/);

    // The first run, shown in the cell with its own log and output; then Latest.
    await rows.nth(2).locator('.jp-narrative-RunSelect').click();
    const banner = body.locator('.jp-narrative-RunShown', { hasText: `job ${ok},` });
    await banner.waitFor({ timeout: 10_000 });
    assert.match(await banner.locator('.jp-narrative-RunParams').innerText(), /with mode: ok$/, 'what that run was given, while the form holds the next');
    await body.locator(`.jp-narrative-AppOutput[data-ref="${firstOutput}"]`).waitFor({ timeout: 10_000 });
    await body.locator('.jp-narrative-AppLog', { hasText: /mode ok/ }).waitFor({ timeout: 10_000 });
    assert.match(await body.locator('.jp-narrative-AppState').innerText(), new RegExp(`Job ${ok} completed`));
    assert.deepEqual(await rows.evaluateAll((nodes) => nodes.map((n) => n.classList.contains('jp-mod-shown'))), [false, false, true]);
    await page.locator('.jp-narrative-AppCell').screenshot({ path: screenshotPath('run-history.png') });
    await body.locator('.jp-narrative-RunLatest').click();
    await body.locator(`.jp-narrative-AppOutput[data-ref="${latestOutput}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await body.locator('.jp-narrative-RunShown').count(), 0);
    assert.match(await body.locator('.jp-narrative-AppState').innerText(), new RegExp(`Job ${random} completed`));

    // Saved and opened again: the cell shows its latest run, and the server lists all three.
    await page.locator('.jp-NotebookPanel .jp-Notebook').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+s');
    for (let i = 0; i < 50 && (await savedJob(page, narrative.id)) !== random; i++) await page.waitForTimeout(200);
    assert.equal(await savedJob(page, narrative.id), random);
    await page.reload();
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    await body.locator('.jp-narrative-AppState', { hasText: `Job ${random} completed` }).waitFor({ timeout: 30_000 });
    await waitForCount(rows, 3);
    assert.deepEqual(await attributes(rows, 'data-job'), [random, failed, ok].map(String));
    assert.deepEqual(problems, []);
    const timings = { openMs: opened - started, threeRunsMs: ran - opened, totalMs: Date.now() - started };
    t.diagnostic(`timings ${JSON.stringify(timings)}`);
    await page.close();
  });
});

/** Picks the mode, presses Run, and waits for the new job to end in `state`; its id. */
async function runWith(body: Locator, mode: string, state: Job['state'], previous: number | null): Promise<number> {
  await body.locator('.jp-narrative-AppParam[data-param="mode"] select').selectOption({ label: mode });
  await body.locator('.jp-narrative-AppRun').click();
  const status = body.locator(`.jp-narrative-AppState[data-state="${state}"]`, previous === null ? {} : { hasNotText: new RegExp(`Job ${previous}\\b`) });
  await status.waitFor({ timeout: 60_000 });
  return Number((await status.innerText()).match(/Job (\d+)/)![1]);
}

async function attributes(list: Locator, name: string): Promise<(string | null)[]> {
  return list.evaluateAll((nodes, name) => nodes.map((n) => n.getAttribute(name)), name);
}

async function waitForCount(list: Locator, count: number): Promise<void> {
  for (let i = 0; i < 100 && (await list.count()) !== count; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(await list.count(), count);
}

/** The job the saved notebook's app cell records. */
async function savedJob(page: Page, narrativeId: number): Promise<number | undefined> {
  const notebook = await asSignedIn<{ cells: { metadata: { narrative?: { app?: { jobId?: number } } } }[] }>(page, 'GET', `/api/v1/narratives/${narrativeId}/notebook`);
  return notebook.cells.map((c) => c.metadata.narrative?.app?.jobId).find((id) => id !== undefined);
}
