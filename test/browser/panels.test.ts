import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { asSignedIn, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp } from '../support/test-app.js';

/** The page's globals, as the functions evaluated in the page see them (this project compiles without the DOM library). */
declare const document: { cookie: string; body: unknown; querySelector(s: string): { getAttribute(a: string): string | null; querySelector(s: string): { value: number } | null } | null };
declare const window: { uploadStates?: string[]; dragged?: unknown[] };
declare const addEventListener: (type: string, listener: (e: { mimeData?: { getData(mime: string): unknown } }) => void, capture: boolean) => void;
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: unknown, options: { subtree: boolean; childList: boolean; attributes: boolean }): void;
}

const FASTQ = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n@r2\nTTGCAACGTA\n+\nIIIIIIIIII\n';

/**
 * The Data and Apps panels in the real lab: a FASTQ file uploaded into the
 * open narrative through the Upload button (progress, then the object in
 * "This narrative"), and the registered test app under its category, found
 * and filtered by the search box.
 */
describe('the Data and Apps panels', { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let page: Page;
  let problems: string[];

  before(async () => {
    h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    await h.admin.createUser('alice', 'user', 'alice-password');
    // An older version first: the newest registered is the one the panel shows first.
    await h.admin.registerApp(await buildTestApp('0.9.0'));
    await h.admin.registerApp(await buildTestApp());
    ({ browser, stop: stopBrowser } = await launchChromium());
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    problems = recordProblems(page);
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('uploads a reads file into the open narrative with a progress bar, and lists it under "This narrative"', async () => {
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');
    const narrative = await asSignedIn<{ id: number; wsid: number; link: string; path: string }>(page, 'POST', '/api/v1/narratives', { title: 'Reads study' });
    await page.goto(`${h.server.url}${narrative.link}`);
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    await page.locator('.lm-TabBar-tab', { hasText: narrative.path }).waitFor({ timeout: 30_000 });

    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-data-panel"]').click();
    const panel = page.locator('#narrative-data-panel');
    const own = panel.locator('[data-section="own"]');
    await own.getByText('Reads study (workspace').waitFor({ timeout: 30_000 });
    await own.getByText('This narrative has no data yet').waitFor();

    await panel.locator('.jp-narrative-UploadButton').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('.jp-narrative-UploadFile').setInputFiles({ name: 'reads.fastq', mimeType: 'text/plain', buffer: Buffer.from(FASTQ) });
    await dialog.locator('.jp-narrative-UploadType').selectOption('Genomics.Reads-1.0');
    assert.equal(await dialog.locator('.jp-narrative-UploadName').inputValue(), 'reads.fastq');
    // Record every state and percentage the upload line goes through (a small file is quick).
    await page.evaluate(() => {
      const seen: string[] = [];
      window.uploadStates = seen;
      new MutationObserver(() => {
        const line = document.querySelector('.jp-narrative-Upload');
        if (!line) return;
        const entry = `${line.getAttribute('data-state')} ${line.querySelector('progress')?.value}`;
        if (seen[seen.length - 1] !== entry) seen.push(entry);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await dialog.locator('.jp-mod-accept').click();

    const done = panel.locator('.jp-narrative-Upload[data-state="done"]');
    await done.waitFor({ timeout: 30_000 });
    assert.equal(await done.locator('progress').getAttribute('value'), '100');
    assert.match(await done.innerText(), /Uploaded reads\.fastq\./);
    const states = await page.evaluate(() => window.uploadStates ?? []);
    assert.ok(states[0]?.startsWith('uploading '), `the progress bar showed first: ${states.join(', ')}`);
    assert.equal(states[states.length - 1], 'done 100');

    const object = own.locator('.jp-narrative-Object', { hasText: 'reads.fastq' });
    await object.waitFor({ timeout: 30_000 });
    assert.match(await object.innerText(), /Reads/);
    assert.match(await object.innerText(), /v1/);
    const ref = await object.getAttribute('data-ref');
    assert.match(ref ?? '', new RegExp(`^${narrative.wsid}/\\d+/1$`));
    const stored = await page.evaluate(async (r) => (await fetch(`/api/v1/objects/${r}`)).json(), ref!) as { type: string; files: { name: string }[] };
    assert.equal(stored.type, 'Genomics.Reads-1.0');
    assert.deepEqual(stored.files.map((f) => f.name), ['reads.fastq']);

    // The type filter and the name search narrow the list.
    await panel.locator('.jp-narrative-TypeFilter').selectOption('Genomics.Assembly-1.0');
    await own.getByText('No data matches the filters.').waitFor();
    await panel.locator('.jp-narrative-TypeFilter').selectOption('');
    await panel.locator('.jp-narrative-Search').fill('reads');
    await object.waitFor();

    // Clicking the object shows its data and files.
    await object.click();
    const viewer = page.locator('.jp-narrative-ObjectViewer');
    await viewer.locator('a', { hasText: 'reads.fastq' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('data-panel.png') });
  });

  it('lists the registered app under its category, and the search box filters it', async () => {
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-apps-panel"]').click();
    const panel = page.locator('#narrative-apps-panel');
    const app = panel.locator('.jp-narrative-Group[data-category="Test"] .jp-narrative-App[data-app-id="test/count-lines"]');
    await app.waitFor({ timeout: 30_000 });
    const text = await app.innerText();
    for (const part of ['Count lines', 'test/count-lines@1.0.0', 'Counts the lines of a reads file', 'in: Reads', 'out: Report']) assert.ok(text.includes(part), `"${part}" in ${text}`);

    const search = panel.locator('.jp-narrative-Search');
    await search.fill('assembly nothing-like-this');
    await panel.getByText('No app matches').waitFor();
    assert.equal(await app.count(), 0);
    await search.fill('count reads');
    await app.waitFor();
    await page.screenshot({ path: screenshotPath('apps-panel.png') });

    // Both versions are offered; the one picked is the one an app cell gets.
    const version = app.locator('select.jp-narrative-AppVersion');
    assert.equal(await version.inputValue(), '1.0.0');
    assert.deepEqual(await version.locator('option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value)), ['1.0.0', '0.9.0']);
    await version.selectOption('0.9.0');

    // Dragging the entry onto the notebook carries {id, version} under the app MIME type (what app cells will accept).
    await page.evaluate(() => {
      window.dragged = [];
      addEventListener('lm-dragenter', (e) => window.dragged!.push(e.mimeData?.getData('application/vnd.narrative.app+json')), true);
    });
    await page.locator('.lm-TabBar-tab', { hasText: 'Reads study' }).click();
    await page.locator('.jp-Notebook').waitFor();
    const from = (await app.boundingBox())!;
    const to = (await page.locator('.jp-Notebook').boundingBox())!;
    await page.mouse.move(from.x + 20, from.y + 10);
    await page.mouse.down();
    await page.mouse.move(from.x + 40, from.y + 20, { steps: 4 });
    await page.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 8 });
    await page.mouse.up();
    const dragged = await page.evaluate(() => window.dragged ?? []);
    assert.deepEqual(dragged[dragged.length - 1], { id: 'test/count-lines', version: '0.9.0' });
    assert.deepEqual(problems, []);
  });
});
