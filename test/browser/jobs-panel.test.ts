import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Job, NarrativeClient } from '@narrative/server/client';
import { launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';
import { buildTestApp, uploadReads, type TestAppSpec } from '../support/test-app.js';

/** A whole node per job (the local cluster's nodes have 4 CPUs each): two jobs fill both, a third must wait. */
const WHOLE_NODE = { cpus: 4, memoryMiB: 64, timeMinutes: 5, gpus: 0 };
const STEP_CELL = 'step-3-assembly';

/** The narrative's notebook: enough text before the job's cell that opening it there means scrolling. */
function notebookCells(): Record<string, unknown>[] {
  const text = (id: string, source: string) => ({ id, cell_type: 'markdown', metadata: {}, source });
  const filler = Array.from({ length: 12 }, (_, i) => text(`note-${i}`, `### Note ${i + 1}\n\n${'Reads were trimmed and checked. '.repeat(12)}`));
  return [text('title', '# Queue study'), ...filler, text(STEP_CELL, '## Step 3: the assembly that waits for a node')];
}

/**
 * The Jobs panel on the local Slurm: two jobs take both nodes, so a third
 * waits for CPUs. The panel lists it newest first with Slurm's "Resources"
 * in plain words, its ticking queue time and what it asked for; its link
 * opens the narrative at the cell that ran it; Cancel ends it cancelled.
 */
describe('the Jobs panel', { skip: needsChromium() }, () => {
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let alice: NarrativeClient;
  let app: TestAppSpec;
  let narrative: { id: number; wsid: number; path: string; link: string };
  let reads: string;
  const started: number[] = [];

  const run = async (marker: string, cell?: string) => {
    const job = await alice.run({ app: app.id, ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'sleep', marker }, ...(cell ? { narrative: { id: narrative.id, cell } } : {}) });
    started.push(job.id);
    return job;
  };
  /** Polls the API until `ok` holds for the job. */
  const until = async (id: number, ok: (j: Job) => boolean, what: string): Promise<Job> => {
    let job = await alice.job(id);
    for (let i = 0; i < 150 && !ok(job); i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = await alice.job(id);
    }
    assert.ok(ok(job), `job ${id} never ${what}: ${JSON.stringify(job)}`);
    return job;
  };

  before(async () => {
    const cluster = await startCluster();
    stopCluster = cluster.stop;
    h = await startHarness([], { ...slurmExecution(cluster.cluster), kernels: { enabled: true, python: '/usr/bin/python3' } });
    const { token } = await h.admin.createUser('alice', 'user', 'alice-password');
    alice = h.client(token);
    app = await buildTestApp('1.0.0', WHOLE_NODE);
    await h.admin.registerApp(app);
    narrative = await alice.createNarrative('Queue study');
    const contents = `/api/v1/contents/${encodeURIComponent(narrative.path)}`;
    const model = await alice.request<{ content: Record<string, unknown> }>('GET', contents.slice('/api/v1'.length));
    await alice.request('PUT', contents.slice('/api/v1'.length), { json: { type: 'notebook', format: 'json', content: { ...model.content, cells: notebookCells() } } });
    reads = await uploadReads(alice, narrative.wsid, '@r\nACGT\n+\nIIII\n');
    ({ browser, stop: stopBrowser } = await launchChromium());
  });
  after(async () => {
    for (const id of started) await alice?.cancelJob(id).catch(() => undefined);
    await stopBrowser?.();
    await h?.stop();
    await stopCluster?.();
  });

  it('lists a job waiting for CPUs in plain words, opens its cell, and cancels it', async () => {
    const first = await run('jobs-panel-node-a');
    const second = await run('jobs-panel-node-b');
    await until(first.id, (j) => j.state === 'running', 'ran');
    await until(second.id, (j) => j.state === 'running', 'ran');
    const queued = await run('jobs-panel-waits', STEP_CELL);
    await until(queued.id, (j) => j.state === 'queued' && /waiting for free CPUs/.test(j.waiting), 'waited for resources');

    const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = recordProblems(page);
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');
    await page.locator('.jp-SideBar .lm-TabBar-tab[data-id="narrative-jobs-panel"]').click();
    const panel = page.locator('#narrative-jobs-panel');
    const entry = panel.locator(`.jp-narrative-Job[data-job-id="${queued.id}"]`);
    await entry.locator('.jp-narrative-JobStatus', { hasText: /waiting for free CPUs\/memory/ }).waitFor({ timeout: 30_000 });

    // Newest first; Slurm's word in plain ones; the time in the queue ticking; what it asked for.
    const listed = await panel.locator('.jp-narrative-Job').evaluateAll((nodes) => nodes.map((n) => Number((n as unknown as { dataset: { jobId: string } }).dataset.jobId)));
    assert.deepEqual(listed, [queued.id, second.id, first.id]);
    assert.equal(await entry.getAttribute('data-state'), 'queued');
    assert.equal(await entry.locator('.jp-narrative-JobStatus').innerText(), 'waiting for free CPUs/memory: next in line');
    const elapsed = entry.locator('.jp-narrative-JobElapsed');
    const before = await elapsed.innerText();
    assert.match(before, /^queued for \d+ s$/);
    await page.waitForFunction(
      ({ selector, was }) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(selector)?.textContent !== was,
      { selector: `#narrative-jobs-panel .jp-narrative-Job[data-job-id="${queued.id}"] .jp-narrative-JobElapsed`, was: before },
      { timeout: 5_000 },
    );
    assert.match(await entry.locator('.jp-narrative-JobResources').innerText(), /^4 CPUs · 64 MiB · 5 min time limit$/);
    assert.equal(await panel.locator(`.jp-narrative-Job[data-job-id="${first.id}"] .jp-narrative-JobStatus`).innerText().then((t) => /^running/.test(t)), true);

    // Its link opens the narrative and scrolls to the cell that ran it.
    await entry.locator('.jp-narrative-JobOpenCell').click();
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await page.locator('.lm-TabBar-tab', { hasText: narrative.path }).waitFor({ timeout: 30_000 });
    const active = notebook.locator('.jp-Cell.jp-mod-active');
    await active.filter({ hasText: 'Step 3: the assembly that waits for a node' }).waitFor({ timeout: 30_000 });
    // The scroll follows the selection; the cell must still be in view once the notebook has settled.
    const inView = async () => {
      const box = await active.boundingBox();
      return box !== null && box.y >= 0 && box.y + box.height <= 900;
    };
    for (let i = 0; i < 50 && !(await inView()); i++) await page.waitForTimeout(100);
    await page.waitForTimeout(3500);
    assert.ok(await inView(), `the cell is in view: ${JSON.stringify(await active.boundingBox())}`);
    await page.screenshot({ path: screenshotPath('jobs-panel.png') });

    // The state filter asks the server for queued jobs only.
    await panel.locator('.jp-narrative-JobsFilter').selectOption('queued');
    await panel.locator(`.jp-narrative-Job[data-job-id="${first.id}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    // The list goes while the filtered one loads: it is counted once the queued job is back in it.
    await entry.waitFor({ timeout: 10_000 });
    assert.deepEqual(await panel.locator('.jp-narrative-Job').evaluateAll((nodes) => nodes.length), 1);

    // Cancel asks first, then the job ends cancelled (the API says so) and the panel shows it.
    await entry.locator('.jp-narrative-JobCancel').click();
    await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
    const cancelled = await until(queued.id, (j) => j.state === 'cancelled', 'was cancelled');
    assert.equal(cancelled.state, 'cancelled');
    await panel.locator('.jp-narrative-JobsFilter').selectOption('all');
    await panel.locator(`.jp-narrative-Job[data-job-id="${queued.id}"][data-state="cancelled"]`).waitFor({ timeout: 10_000 });
    assert.equal(await panel.locator(`.jp-narrative-Job[data-job-id="${queued.id}"] .jp-narrative-JobCancel`).count(), 0, 'no Cancel on an ended job');
    assert.deepEqual(problems, []);
  });
});
