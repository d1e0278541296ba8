import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Narrative, NarrativeClient, ObjectInfo } from '@narrative/server/client';
import { launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

/** Reads of 10, 4 and 20 bases: 3 reads, 34 bases. */
const FASTQ = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nACGT\n+\nIIII\n@r3\nACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIII\n';

/**
 * "My data" in the real lab: the objects of two of Alice's narratives under
 * their narratives (not the narrative Bob only shared with her), one reverted
 * from its history (the new version checked through the API), one downloaded,
 * one removed from view and brought back, and the reads viewer showing the
 * statistics the server computed at upload.
 */
describe('My data in the Data panel', { skip: needsChromium() }, () => {
  let h: Harness;
  let alice: NarrativeClient;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let page: Page;
  let problems: string[];
  let reads: Narrative;
  let notes: Narrative;
  let draft: ObjectInfo;

  before(async () => {
    h = await startHarness(['alice', 'bob'], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    alice = h.users.alice!.client;
    reads = await alice.createNarrative('Soil reads');
    notes = await alice.createNarrative('Lab notes');
    const form = new FormData();
    form.set('name', 'soil.fastq');
    form.set('type', 'Genomics.Reads-1.0');
    form.set('file', new Blob([FASTQ]), 'soil.fastq');
    await alice.upload(reads.wsid, form);
    draft = await alice.saveObject(notes.wsid, { name: 'draft', type: 'Report.Report-1.0', data: { title: 'first words' } });
    await alice.saveObject(notes.wsid, { name: 'draft', type: 'Report.Report-1.0', data: { title: 'second thoughts' } });
    const bob = h.users.bob!.client;
    const shared = await bob.createNarrative('Bob shares');
    await bob.saveObject(shared.wsid, { name: 'bobs-report', type: 'Report.Report-1.0', data: { title: 'not hers to tidy' } });
    await bob.shareNarrative(shared.id, { user: 'alice', level: 'read' });
    ({ browser, stop: stopBrowser } = await launchChromium());
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    problems = recordProblems(page);
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('lists the objects of both narratives under their titles, and reverts one from its history', async () => {
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-data-panel"]').click();
    const panel = page.locator('#narrative-data-panel');
    await panel.locator('.jp-narrative-ViewTab[data-view="mine"]').click();

    const readsGroup = panel.locator(`.jp-narrative-MyNarrative[data-narrative="${reads.id}"]`);
    const notesGroup = panel.locator(`.jp-narrative-MyNarrative[data-narrative="${notes.id}"]`);
    await readsGroup.locator('.jp-narrative-Object', { hasText: 'soil.fastq' }).waitFor({ timeout: 30_000 });
    assert.match(await readsGroup.locator('.jp-narrative-GroupHeading').innerText(), /Soil reads/);
    assert.match(await notesGroup.locator('.jp-narrative-GroupHeading').innerText(), /Lab notes/);
    const names = await panel.locator('.jp-narrative-MyObject .jp-narrative-Name').allInnerTexts();
    assert.deepEqual(names, ['draft', 'soil.fastq'], 'the newest narrative first; nothing of what Bob only shared');

    const object = notesGroup.locator('.jp-narrative-Object', { hasText: 'draft' });
    assert.match(await object.locator('.jp-narrative-Meta').innerText(), /^v2 /);
    await object.locator('[data-action="history"]').click();
    const versions = object.locator('.jp-narrative-Version');
    await versions.first().waitFor();
    assert.deepEqual(await versions.evaluateAll((items) => items.map((li) => (li as unknown as { dataset: { ver: string } }).dataset.ver)), ['2', '1']);
    assert.match(await versions.nth(1).innerText(), /saved[\s\S]*by alice/);
    await versions.nth(1).locator('.jp-narrative-Revert').click();

    // The list and the open history show the new version, which repeats version 1.
    await object.locator('.jp-narrative-Version[data-ver="3"]').waitFor({ timeout: 30_000 });
    assert.match(await object.locator('.jp-narrative-Version[data-ver="3"]').innerText(), /reverted to v1/);
    assert.match(await object.locator(':scope > .jp-narrative-Meta').innerText(), /^v3 /);
    const history = await alice.history(draft.ref);
    assert.deepEqual(history.map((v) => [v.ver, v.revertedFrom]), [[1, null], [2, null], [3, draft.ref]]);
    const reverted = await alice.getObject(history[2]!.ref);
    assert.deepEqual(reverted.data, { title: 'first words' });
    assert.equal(reverted.provenance.revertedFrom, draft.ref);
  });

  it('downloads an object\'s file, and removes an object from view and brings it back', async () => {
    const panel = page.locator('#narrative-data-panel');
    const soil = panel.locator('.jp-narrative-MyObject', { hasText: 'soil.fastq' });
    const [download] = await Promise.all([page.waitForEvent('download'), soil.locator('[data-action="download"]').click()]);
    assert.equal(download.suggestedFilename(), 'soil.fastq');

    const draftEntry = panel.locator('.jp-narrative-MyObject', { hasText: 'draft' });
    await draftEntry.locator('[data-action="remove"]').click();
    await draftEntry.waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal((await alice.myObjects({ hidden: true })).items.map((o) => o.name).join(), 'draft');
    await panel.locator('.jp-narrative-ShowRemoved input').check();
    await draftEntry.locator('[data-action="restore"]').click();
    await draftEntry.waitFor({ state: 'detached', timeout: 30_000 });
    await panel.locator('.jp-narrative-ShowRemoved input').uncheck();
    await draftEntry.waitFor({ timeout: 30_000 });
    assert.deepEqual((await alice.myObjects()).items.map((o) => [o.name, o.hidden]), [['draft', false], ['soil.fastq', false]]);
  });

  it('shows the reads statistics computed at upload in the viewer', async () => {
    const panel = page.locator('#narrative-data-panel');
    // The draft's history open beside the viewer, for the picture.
    const history = panel.locator('.jp-narrative-MyObject', { hasText: 'draft' }).locator('[data-action="history"]');
    if ((await history.getAttribute('aria-pressed')) !== 'true') await history.click();
    await panel.locator('.jp-narrative-MyObject', { hasText: 'draft' }).locator('.jp-narrative-Version[data-ver="3"]').waitFor();
    await panel.locator('.jp-narrative-MyObject', { hasText: 'soil.fastq' }).locator('.jp-narrative-Name').click();
    const stats = page.locator('.jp-narrative-ObjectViewer .jp-narrative-Statistics[data-kind="reads"]');
    await stats.waitFor({ timeout: 30_000 });
    const figure = (key: string) => stats.locator(`[data-statistic="${key}"] .jp-narrative-StatValue`).innerText();
    assert.equal(await figure('readCount'), '3');
    assert.equal(await figure('totalBases'), '34 bp');
    assert.equal(await figure('length'), '4–20 bp');
    assert.equal(await figure('meanLength'), '11.3 bp');
    assert.equal(await figure('format'), 'FASTQ');
    for (const close of await page.locator('.jp-toastContainer button[title="Hide notification"]').all()) await close.click();
    await page.locator('.jp-toastContainer .Toastify__toast').first().waitFor({ state: 'detached' });
    await page.screenshot({ path: screenshotPath('my-data.png') });
    assert.deepEqual(problems, []);
  });
});
