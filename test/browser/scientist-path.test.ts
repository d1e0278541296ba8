import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { asSignedIn, dragTo, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { registerBuiltApp } from '../support/built-apps.js';
import { startHarness, type Harness } from '../support/harness.js';
import { moveToPostgres, needsPostgres } from '../support/postgres.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';

/** The page's document, as functions evaluated in the page see it (this project compiles without the DOM library). */
declare const document: { querySelector(selector: string): unknown };

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface ObjectVersion {
  ref: string;
  name: string;
  type: string;
  data: { contigCount: number; totalLength: number };
  files: { name: string; sha256: string }[];
}

const sidebar = (page: Page, id: string) => page.locator(`.jp-SideBar .lm-TabBar-tab[data-id="${id}"]`).click();

/**
 * The path of docs/user-guide.md, in the real lab on a real local Slurm with
 * the real MEGAHIT image: alice starts a narrative, uploads reads, assembles
 * them with an app cell, looks at the result and its provenance, runs Python
 * next to it and shares the link; bob opens the link read-only, copies the
 * narrative and re-runs the assembly in his copy, getting the same contigs.
 * The server has been moved to PostgreSQL with `narrative db migrate` after
 * its app and users were made.
 */
describe("a scientist's path: upload, assemble on Slurm, provenance, share, copy and re-run", { skip: needsChromium() }, () => {
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let dir: string;
  let shareLink = '';
  let aliceAssembly: ObjectVersion | null = null;

  before(async () => {
    const started = await startCluster();
    stopCluster = started.stop;
    h = await startHarness([], { ...slurmExecution(started.cluster), kernels: { enabled: true, python: '/usr/bin/python3' } });
    dir = await mkdtemp(join(tmpdir(), 'narrative-path-'));
    await chmod(dir, 0o711);
    const { token } = await h.admin.createUser('dave', 'developer', 'dave-password');
    await registerBuiltApp('megahit', { url: h.server.url, home: dir, token });
    await h.admin.createUser('alice', 'user', 'alice-password');
    await h.admin.createUser('bob', 'user', 'bob-password');
    await run(process.execPath, [join(ROOT, 'apps-catalog', 'test-data', 'make-reads.mjs'), join(dir, 'reads.fastq'), '--seed', '7']);
    // The path runs on a store moved off the embedded default, as a centre's would (on SQLite where PostgreSQL is missing, outside CI).
    if (!needsPostgres()) await moveToPostgres(h, 'scientist_path');
    ({ browser, stop: stopBrowser } = await launchChromium());
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
    await stopCluster?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('alice uploads reads, assembles them in an app cell on Slurm, opens the provenance, runs Python and shares the link', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const problems = recordProblems(page);
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');

    // The File menu offers a new narrative; here it is started from the Narratives panel.
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^File$/ }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^New Narrative$/ }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');
    // A new narrative from the Narratives panel.
    await sidebar(page, 'narrative-narratives-panel');
    await page.locator('#narrative-narratives-panel .jp-narrative-NewNarrative').click();
    await page.locator('.jp-Dialog input').fill('Soil isolate assembly');
    await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
    const tab = page.locator('.lm-TabBar-tab', { hasText: /^Soil isolate assembly \(\d+\)\.ipynb/ });
    await tab.waitFor({ timeout: 30_000 });
    const narrativeId = Number((await tab.innerText()).match(/\((\d+)\)\.ipynb/)![1]);
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await notebook.locator('.jp-Cell').first().waitFor({ timeout: 30_000 });
    await page.locator('#narrative-narratives-panel .jp-narrative-NarrativeEntry', { hasText: 'Soil isolate assembly' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('path-1-new-narrative.png') });

    // Upload the reads through the Data panel's Upload dialog.
    await sidebar(page, 'narrative-data-panel');
    const data = page.locator('#narrative-data-panel');
    await data.locator('.jp-narrative-UploadButton').click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.locator('.jp-narrative-UploadFile').setInputFiles({ name: 'reads.fastq', mimeType: 'text/plain', buffer: await readFile(join(dir, 'reads.fastq')) });
    await dialog.locator('.jp-narrative-UploadType').selectOption('Genomics.Reads-1.0');
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    await data.locator('.jp-narrative-Upload[data-state="done"]').waitFor({ timeout: 60_000 });
    const readsEntry = data.locator('[data-section="own"] .jp-narrative-Object', { hasText: 'reads.fastq' });
    await readsEntry.waitFor({ timeout: 30_000 });

    // Drag MEGAHIT from the Apps panel onto the notebook, then the reads onto its input.
    await sidebar(page, 'narrative-apps-panel');
    const megahit = page.locator('#narrative-apps-panel .jp-narrative-App[data-app-id="genomics/megahit"]');
    await megahit.waitFor({ timeout: 30_000 });
    await dragTo(page, megahit, notebook.locator('.jp-Notebook'));
    const cell = notebook.locator('.jp-narrative-AppCell');
    const body = cell.locator('.jp-narrative-AppCellBody');
    await body.locator('.jp-narrative-AppRun').waitFor({ timeout: 30_000 });
    assert.match(await body.locator('.jp-narrative-AppCellHeader').innerText(), /genomics\/megahit@1\.2\.9/);
    await sidebar(page, 'narrative-data-panel');
    const input = body.locator('.jp-narrative-AppInput[data-input="reads"]');
    await dragTo(page, readsEntry, input);
    await input.locator('.jp-narrative-AppInputName', { hasText: 'reads.fastq' }).waitFor({ timeout: 10_000 });

    // Run: it goes through Slurm, the log streams in, and the typed assembly appears with its picture.
    await body.locator('.jp-narrative-AppRun').click();
    await body.locator('.jp-narrative-AppState', { hasText: /Job \d+ (queued|running)/ }).waitFor({ timeout: 60_000 });
    await body.locator('.jp-narrative-AppLog', { hasText: /MEGAHIT|megahit/ }).waitFor({ timeout: 120_000 });
    await body.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 300_000 });
    const output = body.locator('.jp-narrative-AppOutput').first();
    const summary = output.locator('[data-viewer="Genomics.Assembly"]');
    await summary.waitFor({ timeout: 30_000 });
    assert.match(await summary.innerText(), /contigs/);
    assert.match(await body.locator('.jp-narrative-AppLog').innerText(), /assembly: \d+ contigs/);
    const assemblyRef = (await output.getAttribute('data-ref'))!;
    const assembly = await asSignedIn<ObjectVersion>(page, 'GET', `/api/v1/objects/${assemblyRef}`);
    assert.equal(assembly.type, 'Genomics.Assembly-1.0');
    assert.match(await summary.innerText(), new RegExp(assembly.data.totalLength.toLocaleString('en-US')));
    aliceAssembly = assembly;
    // The Data panel lists it too.
    await data.locator('[data-section="own"] .jp-narrative-Object', { hasText: assembly.name }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('path-2-assembled.png') });

    // Its provenance: reads → the MEGAHIT run → the assembly, with the image and node of the run.
    const readsRef = await input.locator('.jp-narrative-AppInputRef').inputValue();
    await output.locator('.jp-narrative-AppOutput-provenance').click();
    const provenance = page.locator('.jp-narrative-Provenance');
    await provenance.locator('.jp-narrative-GraphNode.jp-mod-root').waitFor({ timeout: 30_000 });
    await provenance.locator(`.jp-narrative-GraphNode[data-ref="${readsRef}"]`).waitFor();
    await provenance.locator('.jp-narrative-GraphNode.jp-mod-step', { hasText: 'genomics/megahit@1.2.9' }).waitFor();
    const details = await provenance.locator('.jp-narrative-ProvenanceDetails').innerText();
    assert.match(details, /sha256:[0-9a-f]{64}/);
    assert.match(details, /slurm/);
    await page.screenshot({ path: screenshotPath('path-3-provenance.png') });

    // Back in the narrative: a Python cell below the app cell.
    await tab.click();
    await body.locator('.jp-narrative-AppCellHeader').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('b');
    await page.keyboard.press('Enter');
    await page.keyboard.type(`n50 = ${JSON.stringify((assembly.data as unknown as { n50: number }).n50)}\nprint("N50 is", n50, "bp")`);
    await page.keyboard.press('Shift+Enter');
    await notebook.locator('.jp-OutputArea-output', { hasText: /N50 is \d+ bp/ }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-mod-dirty') && !document.querySelector('.lm-TabBar-tab.jp-mod-dirty'), undefined, { timeout: 30_000 });

    // Share with bob (read), and take the link.
    await notebook.locator('.jp-narrative-ToolbarShare').click();
    const share = page.locator('.jp-Dialog .jp-narrative-Share');
    // Enter in the name field adds the person (it must not close the dialog instead).
    await share.locator('.jp-narrative-ShareUserName').fill('bob');
    await share.locator('.jp-narrative-ShareUserName').press('Enter');
    await share.locator('.jp-narrative-ShareGrant[data-user="bob"]').waitFor({ timeout: 30_000 });
    assert.equal(await share.locator('.jp-narrative-ShareGrant[data-user="bob"] select').inputValue(), 'read');
    shareLink = await share.locator('.jp-narrative-ShareUrl').inputValue();
    assert.match(shareLink, new RegExp(`/n/${narrativeId}$`));
    await page.screenshot({ path: screenshotPath('path-4-share.png') });
    assert.equal(await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').isDisabled(), false);
    await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
    await share.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('bob opens the link read-only, copies the narrative and re-runs the app cell in his copy with the same result', async () => {
    assert.ok(shareLink && aliceAssembly, 'alice shared a narrative');
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
    const page = await context.newPage();
    const problems = recordProblems(page);
    await signInToLab(page, h.server.url, new URL(shareLink).pathname, 'bob', 'bob-password');

    // Read-only: the banner, a locked app cell still showing alice's result, and her Python output.
    const reader = page.locator('.jp-NotebookPanel.jp-narrative-mod-reader');
    await reader.locator('.jp-narrative-ReaderBanner').waitFor({ timeout: 60_000 });
    const readerCell = reader.locator('.jp-narrative-AppCellBody');
    await readerCell.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 30_000 });
    await readerCell.locator('[data-viewer="Genomics.Assembly"]').waitFor({ timeout: 30_000 });
    assert.equal(await readerCell.locator('.jp-narrative-AppRun').isDisabled(), true, 'a reader cannot run');
    await readerCell.locator('.jp-narrative-AppInput[data-input="reads"] .jp-narrative-AppInputName', { hasText: 'reads.fastq' }).waitFor({ timeout: 10_000 });
    await reader.locator('.jp-OutputArea-output', { hasText: /N50 is \d+ bp/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty').count(), 0, "reading does not change alice's narrative");
    assert.equal(await readerCell.locator('.jp-narrative-AppRetry, .jp-narrative-AppCancel').count(), 0);
    await page.screenshot({ path: screenshotPath('path-5-reader.png') });

    // Copy: his own narrative opens, writable.
    await reader.locator('.jp-narrative-ReaderCopy').click();
    const copy = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden):not(.jp-narrative-mod-reader)');
    const copyCell = copy.locator('.jp-narrative-AppCellBody');
    await copyCell.locator('.jp-narrative-AppRun:not([disabled])').waitFor({ timeout: 60_000 });
    const copyTab = page.locator('.lm-TabBar-tab.lm-mod-current', { hasText: /\.ipynb/ });
    const copyId = Number((await copyTab.innerText()).match(/\((\d+)\)\.ipynb/)![1]);
    const copied = await asSignedIn<{ owner: string; copiedFrom: number; wsid: number }>(page, 'GET', `/api/v1/narratives/${copyId}`);
    assert.equal(copied.owner, 'bob');

    // Re-run in the copy: the copied cell has no job of alice's, and its run is a new job in bob's workspace, the same contigs byte for byte.
    assert.equal(await copyCell.locator('.jp-narrative-AppState[data-state]').count(), 0, "the copy's cell names no job of alice's");
    await copyCell.locator('.jp-narrative-AppRun').click();
    await copyCell.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 300_000 });
    const output = copyCell.locator(`.jp-narrative-AppOutput[data-ref^="${copied.wsid}/"]`);
    await output.waitFor({ timeout: 60_000 });
    const again = await asSignedIn<ObjectVersion>(page, 'GET', `/api/v1/objects/${(await output.getAttribute('data-ref'))!}`);
    assert.deepEqual(again.data, aliceAssembly!.data);
    assert.deepEqual(again.files.map((f) => f.sha256), aliceAssembly!.files.map((f) => f.sha256));
    await sidebar(page, 'narrative-data-panel');
    await page.locator('#narrative-data-panel [data-section="own"] .jp-narrative-Object', { hasText: again.name }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('path-6-rerun.png') });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
