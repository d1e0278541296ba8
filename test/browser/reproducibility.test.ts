import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NarrativeClient } from '@narrative/server/client';
import type { Browser, Locator, Page } from 'playwright-core';
import { dragTo, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { registerBuiltApp } from '../support/built-apps.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { uploadReads } from '../support/test-app.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A MEGAHIT job on the test reads takes seconds; the limit allows for a busy 2-core machine. */
const JOB_MS = 300_000;

const sidebar = (page: Page, id: string) => page.locator(`.jp-SideBar .lm-TabBar-tab[data-id="${id}"]`).click();
/** The job id an app cell shows ("Job 12 completed …"). */
const jobIdOf = async (cell: Locator) => Number((await cell.locator('.jp-narrative-AppState').innerText()).match(/Job (\d+)/)![1]);
/** Waits until a cell shows a completed job other than `old`, and returns its id. */
async function completedAfter(cell: Locator, old: number): Promise<number> {
  await cell.locator('.jp-narrative-AppState[data-state="completed"]', { hasNotText: new RegExp(`Job ${old}\\b`) }).waitFor({ timeout: JOB_MS });
  return jobIdOf(cell);
}

/**
 * The reproducibility part of docs/user-guide.md in the real lab on a real
 * local Slurm with the real MEGAHIT and SeqKit images: alice assembles her
 * reads and describes the assembly in two app cells, runs the whole narrative
 * again from the command palette (one notification follows the run, each cell
 * its own new job), re-runs the assembly with "Re-run & verify" and sees that
 * it made the same bytes, and compares two runs of it in its provenance.
 * The images come from the cache the scientist's path fills (built-apps.ts).
 */
describe('reproducibility: run all app cells again, then re-run & verify', { skip: needsChromium() }, () => {
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let dir: string;
  let alice: NarrativeClient;
  let page: Page;
  let problems: string[];
  const first = { assembly: 0, stats: 0 };
  const again = { assembly: 0, stats: 0 };

  before(async () => {
    const started = await startCluster();
    stopCluster = started.stop;
    h = await startHarness([], { ...slurmExecution(started.cluster), kernels: { enabled: true, python: '/usr/bin/python3' } });
    dir = await mkdtemp(join(tmpdir(), 'narrative-reproducibility-'));
    await chmod(dir, 0o711);
    const { token } = await h.admin.createUser('dave', 'developer', 'dave-password');
    // The same image cache as the scientist's path: built once while the recipes are unchanged.
    await registerBuiltApp('megahit', { url: h.server.url, home: dir, token });
    await registerBuiltApp('assembly-stats', { url: h.server.url, home: dir, token });
    alice = h.client((await h.admin.createUser('alice', 'user', 'alice-password')).token);
    await run(process.execPath, [join(ROOT, 'apps-catalog', 'test-data', 'make-reads.mjs'), join(dir, 'reads.fastq'), '--seed', '7']);
    ({ browser, stop: stopBrowser } = await launchChromium());
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    problems = recordProblems(page);
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
    await stopCluster?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const notebook = () => page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const cellOf = (app: string) => notebook().locator('.jp-narrative-AppCellBody', { has: page.locator('.jp-narrative-AppCellId', { hasText: app }) });

  it('alice assembles her reads with MEGAHIT and describes the assembly with SeqKit, one cell after the other', async () => {
    // The upload and the first cell's drag are the scientist's path (scientist-path.test.ts); here they are set up briefly.
    const narrative = await alice.createNarrative('Soil isolate, reproduced');
    const readsRef = await uploadReads(alice, narrative.wsid, await readFile(join(dir, 'reads.fastq'), 'utf8'), { name: 'reads.fastq' });
    await signInToLab(page, h.server.url, narrative.link, 'alice', 'alice-password');
    await page.locator('.lm-TabBar-tab', { hasText: narrative.path }).waitFor({ timeout: 30_000 });
    await notebook().locator('.jp-Cell').first().waitFor({ timeout: 30_000 });

    // Two app cells from the Apps panel: a click inserts each below the active cell.
    await sidebar(page, 'narrative-apps-panel');
    for (const id of ['genomics/megahit', 'genomics/assembly-stats']) {
      const entry = page.locator(`#narrative-apps-panel .jp-narrative-App[data-app-id="${id}"]`);
      await entry.waitFor({ timeout: 30_000 });
      await entry.click();
      await cellOf(id).locator('.jp-narrative-AppRun').waitFor({ timeout: 30_000 });
    }
    const megahit = cellOf('genomics/megahit');
    const stats = cellOf('genomics/assembly-stats');

    // The reads onto MEGAHIT, and Run.
    await sidebar(page, 'narrative-data-panel');
    const own = page.locator('#narrative-data-panel [data-section="own"]');
    const readsInput = megahit.locator('.jp-narrative-AppInput[data-input="reads"]');
    await dragTo(page, own.locator('.jp-narrative-Object', { hasText: 'reads.fastq' }), readsInput);
    await readsInput.locator('.jp-narrative-AppInputName', { hasText: 'reads.fastq' }).waitFor({ timeout: 10_000 });
    assert.equal(await readsInput.locator('.jp-narrative-AppInputRef').inputValue(), readsRef);
    await megahit.locator('.jp-narrative-AppRun').click();
    await megahit.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: JOB_MS });
    first.assembly = await jobIdOf(megahit);
    const assembly = megahit.locator('.jp-narrative-AppOutput').first();
    await assembly.locator('[data-viewer="Genomics.Assembly"]').waitFor({ timeout: 30_000 });
    const assemblyName = await assembly.locator('.jp-narrative-AppOutputName').innerText();

    // The assembly, from the Data panel, onto SeqKit's input, and Run.
    const assemblyInput = stats.locator('.jp-narrative-AppInput[data-input="assembly"]');
    await dragTo(page, own.locator('.jp-narrative-Object', { hasText: assemblyName }), assemblyInput);
    await assemblyInput.locator('.jp-narrative-AppInputName', { hasText: assemblyName }).waitFor({ timeout: 10_000 });
    await stats.locator('.jp-narrative-AppRun').click();
    await stats.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: JOB_MS });
    first.stats = await jobIdOf(stats);
    await stats.locator('.jp-narrative-AppOutput', { hasText: 'Report.Report-1.0' }).waitFor({ timeout: 30_000 });
    assert.ok(first.stats > first.assembly);
  });

  it('Run All App Cells, from the command palette, runs both cells again as new jobs under one notification', async () => {
    assert.ok(first.stats, 'both cells ran once');
    const megahit = cellOf('genomics/megahit');
    const stats = cellOf('genomics/assembly-stats');

    // As a user does: the palette (Ctrl+Shift+C), the command found by its name.
    await megahit.locator('.jp-narrative-AppCellHeader').click();
    await page.keyboard.press('Control+Shift+c');
    const palette = page.locator('.jp-ModalCommandPalette');
    await palette.locator('.lm-CommandPalette-input').fill('Run All App Cells');
    await palette.locator('.lm-CommandPalette-item', { has: page.locator('.lm-CommandPalette-itemLabel', { hasText: /^Run All App Cells$/ }) }).click();

    // One notification follows the whole run; each cell follows its own new job.
    const toast = page.locator('.jp-toastContainer .Toastify__toast');
    await toast.locator('.jp-toast-message', { hasText: /Running all app cells|Saving and starting/ }).waitFor({ timeout: 30_000 });
    const success = page.locator('.jp-toastContainer .Toastify__toast--success', { hasText: 'All 2 app cells completed.' });
    await success.waitFor({ timeout: JOB_MS });
    // Held open under the mouse (a success closes itself after 8 s) while the cells show their ends.
    await success.hover();
    again.assembly = await completedAfter(megahit, first.assembly);
    again.stats = await completedAfter(stats, first.stats);
    assert.ok(again.assembly > first.stats && again.stats > first.stats, `new jobs: ${JSON.stringify({ first, again })}`);
    await megahit.locator('[data-viewer="Genomics.Assembly"]').waitFor({ timeout: 30_000 });
    await stats.locator('.jp-narrative-AppOutput', { hasText: 'Report.Report-1.0' }).waitFor({ timeout: 30_000 });

    // The server ran them as one graph: SeqKit took the new MEGAHIT job's assembly.
    const statsJob = await alice.job(again.stats);
    assert.equal(statsJob.inputs[0]?.from?.job, again.assembly, JSON.stringify(statsJob.inputs));
    // Both cells' new jobs in the picture: the notebook scrolled to the first cell's buttons.
    await megahit.locator('.jp-narrative-AppActions').evaluate((node: { scrollIntoView(options: { block: string }): void }) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: screenshotPath('run-all.png') });
    await success.locator('.jp-Notification-Toast-Close').click();
    await success.waitFor({ state: 'detached' });
  });

  it('Re-run & verify on the assembly says it is the same bytes as the run it repeats', async () => {
    assert.ok(again.assembly, 'Run All ran');
    const megahit = cellOf('genomics/megahit');
    await megahit.locator('.jp-narrative-AppVerify').click();
    const verified = await completedAfter(megahit, again.assembly);
    const report = megahit.locator('.jp-narrative-Verification[data-identical="true"]');
    await report.waitFor({ timeout: 30_000 });
    assert.equal(await report.locator('.jp-narrative-VerificationTitle').innerText(), `Identical to job ${again.assembly}: 1 file, the same bytes`);
    // No copy is saved: the re-run's output is the version the repeated run made, which the cell shows.
    const [job, repeated] = [await alice.job(verified), await alice.job(again.assembly)];
    assert.ok(job.state === 'completed' && repeated.state === 'completed' && job.verification?.identical);
    assert.deepEqual(job.outputs, repeated.outputs);
    await megahit.locator(`.jp-narrative-AppOutput[data-ref="${repeated.outputs[0]}"] [data-viewer="Genomics.Assembly"]`).waitFor({ timeout: 30_000 });
    // The whole cell in the picture, from the app's name to its outputs.
    await megahit.evaluate((node: { scrollIntoView(options: { block: string }): void }) => node.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: screenshotPath('rerun-verify.png') });
  });

  it("the assembly's provenance compares the run of the whole narrative with the first run, side by side", async () => {
    assert.ok(again.assembly, 'Run All ran');
    await cellOf('genomics/megahit').locator('.jp-narrative-AppOutput-provenance').first().click();
    const comparison = page.locator('.jp-narrative-Provenance .jp-narrative-JobDiff');
    await comparison.locator('.jp-narrative-JobDiffOther').fill(String(first.assembly));
    await comparison.locator('.jp-narrative-JobDiffForm button[type="submit"]').click();
    const verdict = comparison.locator('.jp-narrative-JobDiffVerdict');
    await verdict.waitFor({ timeout: 30_000 });
    // MEGAHIT runs single-threaded: the same image, parameters, input and contigs; only the time taken differs.
    assert.equal(await verdict.innerText(), 'The two runs are the same, apart from how long they took.');
    const table = comparison.locator('.jp-narrative-JobDiffTable');
    const different = await table.locator('tbody tr.jp-mod-different').allInnerTexts();
    assert.ok(different.every((row) => row.includes('duration (s)')), different.join('\n'));
    const contigs = table.locator('tbody tr', { hasText: 'output assembly/contigs.fasta' });
    assert.equal(await contigs.count(), 1);
    assert.equal(await contigs.evaluate((row: { classList: { contains(name: string): boolean } }) => row.classList.contains('jp-mod-different')), false);
    assert.match(await table.locator('thead').innerText(), new RegExp(`job ${again.assembly}: genomics/megahit@1\\.2\\.9, completed[\\s\\S]*job ${first.assembly}: genomics/megahit@1\\.2\\.9, completed`));
    await comparison.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('job-diff.png') });
    assert.deepEqual(problems, []);
  });
});
