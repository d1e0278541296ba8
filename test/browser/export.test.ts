import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildOciArchive } from '@narrative/launcher-native';
import type { Narrative, NarrativeClient } from '@narrative/server/client';
import type { Browser, CDPSession, Download, Page } from 'playwright-core';
import { saveAppCells } from '../support/app-cells.js';
import { launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { crateGraph, ids, types, unzip } from '../support/crate.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/** The page's globals, as the functions evaluated in the page see them (this project compiles without the DOM library). */
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): PageNode | null;
}
declare const document: { body: unknown; querySelector(selector: string): PageNode | null };
declare const window: { progressSeen?: string[]; progressWatched?: boolean };
/** The lab app (app/main.ts) and the clipboard, as far as the tests reach into them. */
declare const jupyterapp: {
  commands: { execute(id: string, args?: unknown): Promise<unknown> };
  shell: { currentWidget: { context: { model: { dirty: boolean; setMetadata(key: string, value: unknown): void } } } };
};
declare const navigator: { clipboard: { readText(): Promise<string> } };
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: unknown, options: { subtree: boolean; childList: boolean; attributes: boolean; characterData: boolean }): void;
}

const run = promisify(execFile);
/** Over the 1 MiB a crate holds inline: the archive carries it, the crate zip only names it. */
const READS = '@r\nACGTACGTAC\n+\nIIIIIIIIII\n'.repeat(80_000);
/** Bytes a second while a transfer is watched: the archive (a few MB) takes seconds, so its progress can be seen moving. */
const THROTTLE = 1_500_000;

/**
 * Export and import in the real lab: alice exports a narrative with a run
 * app cell from the File menu's Export Narrative…: the offline archive
 * arrives as a download after a moving progress bar, exactly as long as the
 * server said, and then the RO-Crate as a zip. She imports the archive again
 * from the Narratives panel's Import button: a truncated copy is refused in
 * the server's words, the whole one uploads with a progress bar and opens as
 * a new narrative with its app cell, which the panel then lists. She publishes it from the same dialog (after
 * saving, which it asks for) and gets a content id naming the archive she
 * downloads from there; a narrative she may only read shows its publications
 * but not Publish.
 */
describe('export and import in the lab', { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let page: Page;
  let cdp: CDPSession;
  let problems: string[];
  let dir: string;
  let alice: NarrativeClient;
  let narrative: Narrative;
  let digest: string;
  let jobId: number;
  let archivePath = '';

  before(async () => {
    h = await startHarness(['alice'], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    alice = h.users.alice!.client;
    dir = await mkdtemp(join(tmpdir(), 'narrative-export-'));
    await chmod(dir, 0o711);
    // The test app's image in the server's image store, as `narrative app register` leaves it: the archive carries it.
    const app = await buildTestApp();
    const image = await buildOciArchive(app.container.image.location, join(dir, 'count-lines.oci.tar'));
    await h.admin.pushImage(image.digest, new Blob([await readFile(image.location)]));
    await h.admin.registerApp({ ...app, container: { image: { digest: image.digest } } });
    digest = image.digest;

    narrative = await alice.createNarrative('Exported study');
    const reads = await uploadReads(alice, narrative.wsid, READS);
    const job = await alice.waitForJob((await alice.run({ app: 'test/count-lines', ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'ok' }, narrative: { id: narrative.id, cell: 'cell-a' } })).id);
    assert.equal(job.state, 'completed');
    jobId = job.id;
    await saveAppCells(alice, narrative, [{ id: 'cell-a', app: 'test/count-lines', version: '1.0.0', params: { mode: 'ok' }, inputs: { reads }, jobId: job.id }]);

    ({ browser, stop: stopBrowser } = await launchChromium());
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    problems = recordProblems(page);
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const dialog = () => page.locator('.jp-Dialog');
  const progress = () => dialog().locator('.jp-narrative-Progress');
  const throttle = (bytesPerSecond: number) => cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });

  /** Records every state, bar value and line of words the dialog's progress line goes through, from now on. */
  const watchProgress = () => page.evaluate(() => {
    window.progressSeen = [];
    if (window.progressWatched) return;
    window.progressWatched = true;
    new MutationObserver(() => {
      const line = document.querySelector('.jp-Dialog .jp-narrative-Progress');
      const bar = line?.querySelector('progress');
      if (!line || !bar) return;
      const value = bar.hasAttribute('value') ? `${bar.getAttribute('value')}/${bar.getAttribute('max')}` : 'indeterminate';
      const entry = `${line.getAttribute('data-state')}|${value}|${line.textContent}`;
      const seen = window.progressSeen!;
      if (seen[seen.length - 1] !== entry) seen.push(entry);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const progressSeen = () => page.evaluate(() => window.progressSeen ?? []);
  /** The bar's values strictly between empty and full, as `value/max`. */
  const partway = (seen: string[]) => seen.map((s) => s.split('|')[1]!).filter((v) => {
    const [value, max] = v.split('/').map(Number);
    return max !== undefined && value! > 0 && value! < max;
  });

  /** Starts the chosen export and answers its download and the export response's headers. */
  async function download(format: string): Promise<{ file: Download; headers: Record<string, string> }> {
    const response = page.waitForResponse((r) => r.url().includes(`/api/v1/narratives/${narrative.id}/export?format=${format}`));
    const file = page.waitForEvent('download', { timeout: 60_000 });
    await dialog().locator('.jp-narrative-ActionStart', { hasText: 'Download' }).click();
    return { file: await file, headers: (await response).headers() };
  }

  it('exports the offline archive from the File menu with a moving progress bar: a tar as long as its Content-Length', async () => {
    await signInToLab(page, h.server.url, narrative.link, 'alice', 'alice-password');
    await page.locator('.lm-TabBar-tab', { hasText: narrative.path }).waitFor({ timeout: 30_000 });
    await page.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 30_000 });

    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^File$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Export Narrative…$/ }).click();
    await dialog().locator('.jp-narrative-Export').waitFor({ timeout: 10_000 });
    assert.equal(await dialog().locator('.jp-Dialog-header').innerText(), 'Export "Exported study"');
    assert.deepEqual(await dialog().locator('.jp-narrative-ExportChoiceLabel').allInnerTexts(), ['RO-Crate (.zip)', 'W3C PROV (.json)', 'Offline archive with images (.tar)', 'Publish a citable version']);
    const archiveChoice = dialog().locator('.jp-narrative-ExportChoice[data-choice="archive"]');
    assert.match(await archiveChoice.locator('.jp-narrative-ExportChoiceSummary').innerText(), /offline/);
    assert.equal(await archiveChoice.locator('.jp-narrative-ExportChoiceSize').innerText(), '', 'no size before the server has said it');

    await archiveChoice.click();
    await watchProgress();
    await throttle(THROTTLE);
    const started = download('archive');
    // Part of the way there: the picture of the dialog with its progress bar.
    await progress().locator('progress[value]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => {
      const bar = document.querySelector('.jp-Dialog .jp-narrative-Progress[data-state="running"] progress[value]');
      return bar !== null && Number(bar.getAttribute('value')) > 0.3 * Number(bar.getAttribute('max'));
    }, undefined, { timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('export-dialog.png') });
    const { file, headers } = await started;
    await dialog().locator('.jp-narrative-Progress[data-state="done"]').waitFor({ timeout: 30_000 });
    await throttle(-1);

    const length = Number(headers['content-length']);
    assert.ok(length > READS.length, `Content-Length ${headers['content-length']}`);
    assert.equal(file.suggestedFilename(), `narrative-${narrative.id}.archive.tar`);
    archivePath = join(dir, file.suggestedFilename());
    await file.saveAs(archivePath);
    assert.equal((await stat(archivePath)).size, length, 'the download is exactly as long as the server said');
    const entries = (await run('tar', ['-tf', archivePath])).stdout.split('\n').filter(Boolean);
    assert.deepEqual(entries.slice(0, 2), ['ro-crate-metadata.json', 'ro-crate-preview.html']);
    assert.equal(entries[entries.length - 1], 'manifest-sha256.txt');
    assert.ok(entries.includes(`images/sha256/${digest.slice('sha256:'.length)}.oci.tar`), "the app's image is in it");
    assert.ok(entries.some((e) => /^objects\/\d+\/\d+\/\d+\/files\/reads\.fastq$/.test(e)), 'the reads are in it');

    const seen = await progressSeen();
    assert.ok(partway(seen).length >= 3, `the bar moved through several values: ${seen.join(' ; ')}`);
    assert.match(seen[seen.length - 1]!, new RegExp(`^done\\|1/1\\|Downloaded narrative-${narrative.id}\\.archive\\.tar \\(\\d`));
    // The archive's size, now known, stands beside its name.
    assert.match(await archiveChoice.locator('.jp-narrative-ExportChoiceSize').innerText(), /^\d+(\.\d)? MB$/);
  });

  it('exports the RO-Crate from the same dialog: a zip whose crate describes the notebook and its run', async () => {
    assert.ok(archivePath, 'the archive was exported');
    await dialog().locator('.jp-narrative-ExportChoice[data-choice="ro-crate"]').click();
    await watchProgress();
    await throttle(THROTTLE / 10);
    const { file, headers } = await download('ro-crate');
    await dialog().locator('.jp-narrative-Progress[data-state="done"]').waitFor({ timeout: 30_000 });
    await throttle(-1);
    assert.equal(headers['content-length'], undefined, 'the zip is streamed without a length');
    assert.equal(file.suggestedFilename(), `narrative-${narrative.id}.ro-crate.zip`);
    const zipPath = join(dir, file.suggestedFilename());
    await file.saveAs(zipPath);
    const crate = crateGraph(await unzip(await readFile(zipPath)));
    assert.equal(crate.mainEntity['@id'], 'narrative.ipynb');
    const action = crate.entity(`#job/${jobId}`);
    assert.ok(types(action).includes('CreateAction'), 'the run of the app cell');
    assert.deepEqual(ids(action['actionStatus']), ['http://schema.org/CompletedActionStatus']);
    // Without a length the bar cannot say how far: it counts what came.
    const seen = await progressSeen();
    assert.ok(seen.some((s) => /^running\|indeterminate\|[\d.]+ (B|KB|MB) received$/.test(s)), seen.join(' ; '));
  });

  it('exports W3C PROV as JSON, and cancels an archive download part of the way, offering it again', async () => {
    assert.ok(archivePath, 'the archive was exported');
    await dialog().locator('.jp-narrative-ExportChoice[data-choice="prov"]').click();
    const { file } = await download('prov');
    assert.equal(file.suggestedFilename(), `narrative-${narrative.id}.prov.json`);
    const prov = JSON.parse(await readFile(await file.path(), 'utf8')) as { activity: Record<string, unknown> };
    assert.ok(Object.keys(prov.activity).length >= 1, 'the run is an activity');

    await dialog().locator('.jp-narrative-ExportChoice[data-choice="archive"]').click();
    await throttle(THROTTLE / 10);
    let downloads = 0;
    page.on('download', () => downloads++);
    await dialog().locator('.jp-narrative-ActionStart').click();
    await dialog().locator('.jp-narrative-Progress[data-state="running"] progress[value]').waitFor({ timeout: 30_000 });
    await dialog().locator('.jp-narrative-ActionCancel').click();
    const cancelled = dialog().locator('.jp-narrative-Progress[data-state="cancelled"]');
    await cancelled.waitFor({ timeout: 5_000 });
    await throttle(-1);
    assert.equal(await cancelled.locator('.jp-narrative-ProgressText').innerText(), 'Cancelled.');
    assert.equal(await dialog().locator('.jp-narrative-ActionCancel').isHidden(), true);
    assert.equal(await dialog().locator('.jp-narrative-ActionStart').isEnabled(), true, 'it can be started again');
    assert.equal(downloads, 0, 'nothing reached the browser as a download');
    await dialog().locator('.jp-Dialog-footer button', { hasText: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
  });

  /** Opens the Export dialog from the File menu. */
  async function openExport(): Promise<void> {
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^File$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Export Narrative…$/ }).click();
    await dialog().locator('.jp-narrative-Export').waitFor({ timeout: 10_000 });
  }
  /** Presses the dialog's start button and answers the words it ended with, once it has. */
  async function start(): Promise<{ state: string | null; words: string }> {
    await dialog().locator('.jp-narrative-ActionStart').click();
    const ended = progress().and(page.locator('[data-state="done"], [data-state="failed"]'));
    await ended.waitFor({ timeout: 30_000 });
    return { state: await ended.getAttribute('data-state'), words: await ended.innerText() };
  }

  it('publishes the saved version from the Export dialog: a content id naming the archive it downloads, the same when published again', async () => {
    assert.ok(archivePath, 'the archive was exported');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.server.url });
    // An unsaved change, as an edit leaves one.
    await page.evaluate(() => jupyterapp.shell.currentWidget.context.model.setMetadata('narrative-test', 'unsaved'));
    await openExport();
    await dialog().locator('.jp-narrative-ExportChoice[data-choice="publish"]').click();
    const panel = dialog().locator('.jp-narrative-Publications');
    assert.equal(await dialog().locator('.jp-narrative-ActionStart').innerText(), 'Publish');
    assert.match(await dialog().locator('.jp-narrative-ExportChoice[data-choice="publish"] .jp-narrative-ExportChoiceSummary').innerText(), /Unsaved changes are not included/);
    await panel.locator('.jp-narrative-PublicationList', { hasText: 'None yet.' }).waitFor({ timeout: 10_000 });
    const unsaved = panel.locator('.jp-narrative-PublishUnsaved');
    assert.equal(await unsaved.isVisible(), true, 'the unsaved change is pointed out');

    const refused = await start();
    assert.equal(refused.state, 'failed');
    assert.match(refused.words, /^Save the notebook first/);
    assert.deepEqual(await alice.publications(narrative.id), [], 'nothing was published');
    await unsaved.locator('.jp-narrative-PublishSave').click();
    await unsaved.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal(await page.evaluate(() => jupyterapp.shell.currentWidget.context.model.dirty), false);

    const published = await start();
    assert.equal(published.state, 'done', published.words);
    const [publication, ...others] = await alice.publications(narrative.id);
    assert.ok(publication && others.length === 0, 'one publication');
    assert.equal(published.words, `Published version ${publication.version}.`);
    const shown = await panel.locator('.jp-narrative-ContentId').inputValue();
    assert.match(shown, /^sha256:[0-9a-f]{64}$/);
    assert.equal(shown, publication.contentId);
    assert.match(await panel.locator('.jp-narrative-PublicationMeta').innerText(), new RegExp(`^Version ${publication.version} · published by alice · `));
    assert.deepEqual(await panel.locator('.jp-narrative-PublicationEntry').evaluateAll((items) => items.map((i) => i.getAttribute('data-content-id'))), [shown]);
    await page.screenshot({ path: screenshotPath('publish-dialog.png') });

    await panel.locator('.jp-narrative-ContentIdCopy').click();
    await panel.locator('.jp-narrative-PublicationMessage', { hasText: 'The content id is copied.' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);

    const downloaded = page.waitForEvent('download', { timeout: 30_000 });
    await panel.locator('.jp-narrative-PublicationDownload').click();
    const file = await downloaded;
    await progress().and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
    const publishedPath = join(dir, 'published.tar');
    await file.saveAs(publishedPath);
    assert.equal((await stat(publishedPath)).size, publication.size);
    const manifest = (await run('tar', ['-xOf', publishedPath, 'manifest-sha256.txt'], { encoding: 'buffer' })).stdout;
    assert.ok(manifest.length > 0);
    assert.equal(shown, `sha256:${createHash('sha256').update(manifest).digest('hex')}`, 'the content id is the sha256 of the archive\'s manifest');

    await dialog().locator('.jp-narrative-ExportChoice[data-choice="publish"]').click();
    const again = await start();
    assert.equal(again.words, `Version ${publication.version} was published already: this is its publication.`);
    assert.equal(await panel.locator('.jp-narrative-ContentId').inputValue(), shown);
    assert.equal(await panel.locator('.jp-narrative-PublicationEntry').count(), 1);
    await dialog().locator('.jp-Dialog-footer button', { hasText: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
  });

  it('shows a reader the publications of a narrative she may only read, with Publish disabled and why', async () => {
    const theirs = await h.admin.createNarrative('Read-only study');
    await h.admin.shareNarrative(theirs.id, { user: 'alice', level: 'read' });
    const { contentId } = await h.admin.createPublication(theirs.id);
    await page.evaluate((id) => void jupyterapp.commands.execute('narrative:export', { id }), theirs.id);
    await dialog().locator('.jp-narrative-Export').waitFor({ timeout: 10_000 });
    await dialog().locator('.jp-narrative-ExportChoice[data-choice="publish"]').click();
    assert.equal(await dialog().locator('.jp-narrative-ActionStart').isDisabled(), true);
    assert.equal(await dialog().locator('.jp-narrative-ActionNote').innerText(), 'Only those who can share this narrative can publish it.');
    const entry = dialog().locator('.jp-narrative-PublicationEntry');
    await entry.waitFor({ timeout: 10_000 });
    assert.equal(await entry.getAttribute('data-content-id'), contentId);
    await entry.locator('.jp-narrative-PublicationOpen').click();
    assert.equal(await dialog().locator('.jp-narrative-ContentId').inputValue(), contentId);
    await dialog().locator('.jp-Dialog-footer button', { hasText: 'Close' }).click();
    await dialog().waitFor({ state: 'detached' });
  });

  it('imports the archive from the Narratives panel: a truncated copy refused in the server\'s words, then the whole one uploaded, opened and listed', async () => {
    assert.ok(archivePath, 'the archive was exported');
    const archive = await readFile(archivePath);
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-narratives-panel"]').click();
    const panel = page.locator('#narrative-narratives-panel');
    await panel.locator('.jp-narrative-NarrativeEntry').first().waitFor({ timeout: 30_000 });
    await panel.locator('.jp-narrative-ImportNarrative').click();
    const body = dialog().locator('.jp-narrative-Import');
    await body.waitFor({ timeout: 10_000 });

    await body.locator('.jp-narrative-ImportFile').setInputFiles({ name: 'half.tar', mimeType: 'application/x-tar', buffer: archive.subarray(0, Math.floor(archive.length / 2)) });
    await body.locator('.jp-narrative-ActionStart').click();
    const failed = dialog().locator('.jp-narrative-Progress[data-state="failed"]');
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await failed.innerText(), /truncated/);

    await body.locator('.jp-narrative-ImportFile').setInputFiles(archivePath);
    await watchProgress();
    await throttle(THROTTLE);
    await body.locator('.jp-narrative-ActionStart').click();
    await body.waitFor({ state: 'detached', timeout: 60_000 });
    await throttle(-1);
    const seen = await progressSeen();
    assert.ok(partway(seen).length >= 2, `the upload bar moved: ${seen.join(' ; ')}`);
    assert.ok(seen.some((s) => s.startsWith('running|indeterminate|Checking the archive')), seen.join(' ; '));

    const imported = (await alice.listNarratives()).find((n) => n.title === narrative.title && n.id !== narrative.id);
    assert.ok(imported, 'a new narrative');
    assert.equal(imported.owner, 'alice');
    const tab = page.locator('.lm-TabBar-tab', { hasText: imported.path });
    await tab.waitFor({ timeout: 30_000 });
    await panel.locator(`.jp-narrative-NarrativeEntry[data-narrative-id="${imported.id}"]`).waitFor({ timeout: 10_000 });
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await notebook.locator('.jp-narrative-AppCellId', { hasText: 'test/count-lines' }).waitFor({ timeout: 30_000 });
    const cells = ((await alice.notebook(imported.id)) as { cells: { metadata: { narrative: { app: { inputs: { reads: string } } } } }[] }).cells;
    assert.equal(cells.length, 1);
    assert.match(cells[0]!.metadata.narrative.app.inputs.reads, new RegExp(`^${imported.wsid}/\\d+/1$`), 'the cell reads the imported copy of the reads');

    // The refused upload is the one failed request (and Chromium's console line for it).
    assert.deepEqual(problems.filter((p) => !/422 POST .*\/api\/v1\/imports$|status of 422/.test(p)), []);
  });
});
