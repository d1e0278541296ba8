import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { asSignedIn, dragTo, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp } from '../support/test-app.js';

/** The page's globals, as the functions evaluated in the page see them (this project compiles without the DOM library). */
declare const document: { cookie: string; querySelectorAll(selector: string): { length: number } };
declare class FormData {
  set(name: string, value: unknown, filename?: string): void;
}
declare class Blob {
  constructor(parts: string[]);
}

const FASTQ = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nTTGCAACGTA\n+\nIIIIIIIIII\n';

/** Uploads one file as an object of `type` from the page (multipart, as the Data panel's upload does). */
function uploadFromPage(page: Page, wsid: number, o: { name: string; type: string; content: string; data?: unknown }): Promise<{ ref: string }> {
  return page.evaluate(async ({ wsid, o }) => {
    const xsrf = document.cookie.split('; ').find((c) => c.startsWith('_xsrf='))?.slice('_xsrf='.length) ?? '';
    const form = new FormData();
    form.set('name', o.name);
    form.set('type', o.type);
    if (o.data !== undefined) form.set('data', JSON.stringify(o.data));
    form.set('file', new Blob([o.content]), o.name);
    const response = await fetch(`/api/v1/workspaces/${wsid}/upload`, { method: 'POST', headers: { 'X-XSRFToken': xsrf }, body: form as never });
    if (!response.ok) throw new Error(`upload: ${response.status} ${await response.text()}`);
    return response.json();
  }, { wsid, o }) as Promise<{ ref: string }>;
}

/**
 * An app cell in the real lab: added from the Apps panel, its input filled by
 * dropping a Data panel object (a wrong type is refused on the field), run as
 * a job with live state and log, its outputs shown, and all of it kept in the
 * cell metadata across a save and a reload.
 */
describe('the app cell', { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let page: Page;
  let problems: string[];
  let readsRef = '';
  let narrativeId = 0;

  before(async () => {
    h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    await h.admin.createUser('alice', 'user', 'alice-password');
    await h.admin.registerApp(await buildTestApp());
    ({ browser, stop: stopBrowser } = await launchChromium());
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    problems = recordProblems(page);
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('runs an app from a cell with dropped inputs, streams its state and log, and keeps it across a reload', async () => {
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');
    const narrative = await asSignedIn<{ id: number; wsid: number; link: string; path: string }>(page, 'POST', '/api/v1/narratives', { title: 'App study' });
    const reads = await uploadFromPage(page, narrative.wsid, { name: 'reads.fastq', type: 'Genomics.Reads-1.0', content: FASTQ });
    await uploadFromPage(page, narrative.wsid, { name: 'notes.txt', type: 'Report.Report-1.0', content: 'notes\n', data: { title: 'notes' } });
    await page.goto(`${h.server.url}${narrative.link}`);
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    await page.locator('.lm-TabBar-tab', { hasText: narrative.path }).waitFor({ timeout: 30_000 });
    await page.locator('.jp-Notebook .jp-Cell').first().waitFor({ timeout: 30_000 });

    // A click on the app in the Apps panel inserts an app cell.
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-apps-panel"]').click();
    const entry = page.locator('#narrative-apps-panel .jp-narrative-App[data-app-id="test/count-lines"]');
    await entry.waitFor({ timeout: 30_000 });
    await entry.click();
    const cell = page.locator('.jp-narrative-AppCell');
    const body = cell.locator('.jp-narrative-AppCellBody');
    await body.locator('.jp-narrative-AppRun').waitFor({ timeout: 30_000 });
    assert.equal(await cell.count(), 1);
    const header = await body.locator('.jp-narrative-AppCellHeader').innerText();
    assert.match(header, /Count lines/);
    assert.match(header, /test\/count-lines@1\.0\.0/);
    assert.equal(await body.locator('.jp-narrative-AppRun').isDisabled(), true, 'Run waits for the required input');

    // Drops from the Data panel: a report is refused on the field, the reads are taken.
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-data-panel"]').click();
    const own = page.locator('#narrative-data-panel [data-section="own"]');
    const readsEntry = own.locator('.jp-narrative-Object', { hasText: 'reads.fastq' });
    const notesEntry = own.locator('.jp-narrative-Object', { hasText: 'notes.txt' });
    await readsEntry.waitFor({ timeout: 30_000 });
    await notesEntry.waitFor({ timeout: 30_000 });
    const field = body.locator('.jp-narrative-AppInput[data-input="reads"]');
    await dragTo(page, notesEntry, field);
    const refusal = field.locator('.jp-narrative-AppFieldError.jp-mod-refused');
    await refusal.waitFor({ timeout: 10_000 });
    assert.match(await refusal.innerText(), /Report\.Report-1\.0.*Genomics\.Reads-1\.0/);
    assert.equal(await field.locator('.jp-narrative-AppInputRef').inputValue(), '');
    await dragTo(page, readsEntry, field);
    await field.locator('.jp-narrative-AppInputName', { hasText: 'reads.fastq' }).waitFor({ timeout: 10_000 });
    assert.equal(await field.locator('.jp-narrative-AppInputRef').inputValue(), reads.ref);
    assert.equal(await refusal.count(), 0);

    // mode=slow, then Run: running with a log line, then completed with its output.
    await body.locator('.jp-narrative-AppParam[data-param="mode"] select').selectOption({ label: 'slow' });
    await body.locator('.jp-narrative-AppRun').click();
    await body.locator('.jp-narrative-AppState[data-state="running"]').waitFor({ timeout: 60_000 });
    await body.locator('.jp-narrative-AppLog', { hasText: /uid \d+ mode slow/ }).waitFor({ timeout: 60_000 });
    assert.equal(await body.locator('.jp-narrative-AppCancel').count(), 1, 'Cancel shows while running');
    await body.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 120_000 });
    const output = body.locator('.jp-narrative-AppOutput');
    await output.first().waitFor({ timeout: 30_000 });
    const outputRef = await output.first().getAttribute('data-ref');
    assert.match(outputRef ?? '', new RegExp(`^${narrative.wsid}/\\d+/1$`));
    await body.locator('.jp-narrative-AppOutput', { hasText: 'Report.Report-1.0' }).waitFor({ timeout: 30_000 });
    // The Data panel refreshed with the output.
    await own.locator('.jp-narrative-Object', { hasText: 'stats-job' }).waitFor({ timeout: 30_000 });
    const jobs = await asSignedIn<{ app: string; state: string; params: { mode: string }; inputs: { name: string; given: string }[] }>(page, 'GET', `/api/v1/jobs/${(await body.locator('.jp-narrative-AppState').innerText()).match(/Job (\d+)/)![1]}`);
    assert.equal(jobs.state, 'completed');
    assert.equal(jobs.params.mode, 'slow');
    assert.deepEqual(jobs.inputs.map((i) => [i.name, i.given]), [['reads', reads.ref]]);

    // Save: the cell metadata holds everything.
    await page.locator('.jp-NotebookPanel .jp-Notebook').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+s');
    let app: { id: string; version: string; params: { mode: string }; inputs: Record<string, string>; jobId: number; state: string; outputs: string[] } | undefined;
    for (let i = 0; i < 50 && app?.state !== 'completed'; i++) {
      const notebook = await asSignedIn<{ cells: { metadata: { narrative?: { app?: typeof app } } }[] }>(page, 'GET', `/api/v1/narratives/${narrative.id}/notebook`);
      app = notebook.cells.map((c) => c.metadata.narrative?.app).find(Boolean);
      if (app?.state !== 'completed') await page.waitForTimeout(200);
    }
    assert.ok(app, 'the saved notebook has an app cell');
    assert.equal(app.id, 'test/count-lines');
    assert.equal(app.version, '1.0.0');
    assert.equal(app.params.mode, 'slow');
    assert.deepEqual(app.inputs, { reads: reads.ref });
    assert.equal(app.state, 'completed');
    assert.deepEqual(app.outputs, [outputRef]);

    // Reload: the cell shows the completed job and its output again.
    await page.reload();
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    const again = page.locator('.jp-narrative-AppCell .jp-narrative-AppCellBody');
    await again.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 30_000 });
    await again.locator(`.jp-narrative-AppOutput[data-ref="${outputRef}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await again.locator('.jp-narrative-AppInputRef').inputValue(), reads.ref);
    await again.locator('.jp-narrative-AppLog', { hasText: /uid \d+ mode slow/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('app-cell.png') });

    // A pasted copy keeps the app, inputs and parameters but not the job, which stays with the cell that ran it.
    await again.locator('.jp-narrative-AppCellHeader').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('c');
    await page.keyboard.press('v');
    const bodies = page.locator('.jp-narrative-AppCell .jp-narrative-AppCellBody');
    await bodies.nth(1).locator('.jp-narrative-AppRun').waitFor({ timeout: 30_000 });
    assert.equal(await bodies.count(), 2);
    assert.equal(await bodies.nth(1).locator('.jp-narrative-AppState').count(), 0, 'the copy has no job');
    assert.equal(await bodies.nth(1).locator('.jp-narrative-AppInputRef').inputValue(), reads.ref);
    assert.equal(await bodies.nth(1).locator('.jp-narrative-AppRun').isDisabled(), false);
    await bodies.nth(0).locator('.jp-narrative-AppState[data-state="completed"]').waitFor();
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await page.waitForFunction(() => document.querySelectorAll('.jp-narrative-AppCell').length === 1, undefined, { timeout: 10_000 });
    assert.deepEqual(problems, []);
    readsRef = reads.ref;
    narrativeId = narrative.id;
  });

  it('adds an app cell when an app is dropped on the notebook; a failed run shows its reason and retries; a running one cancels', async () => {
    assert.ok(readsRef, 'the first test ran');
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-apps-panel"]').click();
    const entry = page.locator('#narrative-apps-panel .jp-narrative-App[data-app-id="test/count-lines"]');
    await entry.waitFor({ timeout: 30_000 });
    const cells = page.locator('.jp-narrative-AppCell');
    assert.equal(await cells.count(), 1);
    await dragTo(page, entry, page.locator('.jp-NotebookPanel .jp-Notebook'));
    await cells.filter({ hasNot: page.locator('.jp-narrative-AppState') }).locator('.jp-narrative-AppRun').waitFor({ timeout: 30_000 });
    assert.equal(await cells.count(), 2);
    // Pin the new cell by position: its state changes as it runs.
    const index = (await cells.first().locator('.jp-narrative-AppState').count()) === 0 ? 0 : 1;
    const failed = cells.nth(index);
    const body = failed.locator('.jp-narrative-AppCellBody');

    // The input typed as a ref (key by key: the notebook's command-mode shortcuts must not take them); mode=fail.
    await body.locator('.jp-narrative-AppInputRef').pressSequentially(readsRef);
    await body.locator('.jp-narrative-AppInputRef').press('Enter');
    await body.locator('.jp-narrative-AppParam[data-param="mode"] select').selectOption({ label: 'fail' });
    await body.locator('.jp-narrative-AppRun').click();
    const state = failed.locator('.jp-narrative-AppState[data-state="failed"]');
    await state.waitFor({ timeout: 60_000 });
    assert.match(await state.innerText(), /failed: exit-code \(exit code 3\)/);
    const firstJob = Number((await state.innerText()).match(/Job (\d+)/)![1]);
    await failed.locator('.jp-narrative-AppRetry').click();
    await failed.locator('.jp-narrative-AppState[data-state="failed"]', { hasNotText: `Job ${firstJob} ` }).waitFor({ timeout: 60_000 });
    const retried = Number((await failed.locator('.jp-narrative-AppState').innerText()).match(/Job (\d+)/)![1]);
    assert.notEqual(retried, firstJob);
    const job = await asSignedIn<{ retryOf: number | null }>(page, 'GET', `/api/v1/jobs/${retried}`);
    assert.equal(job.retryOf, firstJob);

    // mode=sleep: Cancel while running.
    await failed.locator('.jp-narrative-AppParam[data-param="mode"] select').selectOption({ label: 'sleep' });
    await failed.locator('.jp-narrative-AppRun').click();
    await failed.locator('.jp-narrative-AppState[data-state="running"]').waitFor({ timeout: 60_000 });
    const sleeping = Number((await failed.locator('.jp-narrative-AppState').innerText()).match(/Job (\d+)/)![1]);

    // Saved and reloaded while running: the cell reconnects to the job's stream and still cancels.
    await page.locator('.jp-NotebookPanel .jp-Notebook').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+s');
    let saved: number | undefined;
    for (let i = 0; i < 50 && saved !== sleeping; i++) {
      const notebook = await asSignedIn<{ cells: { metadata: { narrative?: { app?: { jobId?: number } } } }[] }>(page, 'GET', `/api/v1/narratives/${narrativeId}/notebook`);
      saved = notebook.cells.map((c) => c.metadata.narrative?.app?.jobId).find((id) => id === sleeping);
      if (saved !== sleeping) await page.waitForTimeout(200);
    }
    assert.equal(saved, sleeping, 'the running job is in the saved notebook');
    await page.reload();
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    await failed.locator('.jp-narrative-AppState[data-state="running"]').waitFor({ timeout: 30_000 });
    await failed.locator('.jp-narrative-AppLog', { hasText: 'sleeping' }).waitFor({ timeout: 30_000 });
    await failed.locator('.jp-narrative-AppCancel').click();
    await failed.locator('.jp-narrative-AppState[data-state="cancelled"]').waitFor({ timeout: 60_000 });
    assert.deepEqual(problems, []);
  });
});
