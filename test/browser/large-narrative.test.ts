import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { hasEnded, outputsOf, type Job } from '@narrative/server/client';
import { asSignedIn, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { CELLS, generateCells, kindOf, LARGE_NARRATIVE_APP } from '../support/large-narrative.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/** The page's DOM, as the functions evaluated in the page see it (this project compiles without the DOM library). */
interface PageNode {
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
  getBoundingClientRect(): { top: number; bottom: number };
  getAttribute(name: string): string | null;
  classList: { contains(name: string): boolean };
  textContent: string | null;
  scrollIntoView(options: { block: 'start' }): void;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}
declare const document: PageNode;
declare function requestAnimationFrame(callback: () => void): number;

const APP = LARGE_NARRATIVE_APP;
const FASTQ = '@r1\nACGTACGTAC\n+\nIIIIIIIIII\n';

/** What a rendered cell shows. */
interface Seen {
  index: number;
  app: boolean;
  name: string | null;
  state: string | null;
  stateText: string | null;
  outputs: string[];
  heading: string | null;
  code: string | null;
}

/** Every cell of the notebook that is in the DOM and intersects the notebook's visible area. */
function visibleCells(page: Page): Promise<Seen[]> {
  return page.evaluate(() => {
    const outer = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')!;
    const box = outer.getBoundingClientRect();
    const seen: Seen[] = [];
    for (const cell of Array.from(outer.querySelectorAll('.jp-Notebook .jp-Cell[data-windowed-list-index]'))) {
      const r = cell.getBoundingClientRect();
      if (r.bottom <= box.top || r.top >= box.bottom) continue;
      seen.push({
        index: Number(cell.getAttribute('data-windowed-list-index')),
        app: cell.classList.contains('jp-narrative-AppCell'),
        name: cell.querySelector('.jp-narrative-AppCellHeader .jp-narrative-AppCellName')?.textContent ?? null,
        state: cell.querySelector('.jp-narrative-AppState')?.getAttribute('data-state') ?? null,
        stateText: cell.querySelector('.jp-narrative-AppState')?.textContent ?? null,
        outputs: Array.from(cell.querySelectorAll('.jp-narrative-AppOutput')).map((o) => o.textContent ?? ''),
        heading: cell.querySelector('.jp-RenderedMarkdown h2')?.textContent ?? null,
        code: cell.querySelector('.jp-InputArea-editor .cm-content')?.textContent ?? null,
      });
    }
    return seen;
  });
}

/** Whether a rendered cell shows what cell `index` of the generated notebook should; a reason when it does not. */
function mismatch(s: Seen, job: { id: number; outputs: string[] }): string | null {
  const kind = kindOf(s.index);
  switch (kind) {
    case 'markdown':
      return !s.app && s.heading?.startsWith(`Section ${s.index}`) ? null : `markdown heading ${JSON.stringify(s.heading)}`;
    case 'code':
      return !s.app && s.code?.includes(`# cell ${s.index}`) ? null : `code ${JSON.stringify(s.code)}`;
    case 'app':
      return s.app && s.name === APP.name && s.state === null ? null : `app cell name ${JSON.stringify(s.name)}, state ${s.state}`;
    case 'job':
      if (!s.app || s.name !== APP.name) return `app cell name ${JSON.stringify(s.name)}`;
      if (s.state !== 'completed' || !s.stateText?.includes(`Job ${job.id} completed`)) return `job state ${s.state} ${JSON.stringify(s.stateText)}`;
      return job.outputs.every((ref) => s.outputs.some((o) => o.includes(ref) && o.includes('Report.Report-1.0'))) ? null : `outputs ${JSON.stringify(s.outputs)}`;
  }
}

/**
 * A large narrative: 1,000 generated cells, half of them app cells (100 with a
 * completed job to restore), opens in the lab and every cell renders; the page
 * stays usable (typing into a code cell). Times are printed for a later benchmark.
 */
describe('a narrative with 1,000 cells', { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let page: Page;
  let problems: string[];
  let token = '';
  /** Requests of the page per kind, printed with the timings. */
  const requests = { appVersion: 0, job: 0, jobLog: 0, jobList: 0, lookup: 0, object: 0 };

  before(async () => {
    // Kernels on, as a user has them: without, the lab asks for a kernel in a dialog and /api/kernelspecs etc. answer 404.
    h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    ({ token } = await h.admin.createUser('alice', 'user', 'alice-password'));
    await h.admin.registerApp(await buildTestApp());
    ({ browser, stop: stopBrowser } = await launchChromium());
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    problems = recordProblems(page);
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === `/api/v1/apps/${APP.id}`) requests.appVersion++;
      else if (/^\/api\/v1\/jobs\/\d+$/.test(path)) requests.job++;
      else if (/^\/api\/v1\/jobs\/\d+\/log$/.test(path)) requests.jobLog++;
      else if (path === '/api/v1/jobs') requests.jobList++;
      else if (path === '/api/v1/jobs/lookup') requests.lookup++;
      else if (path.startsWith('/api/v1/objects/')) requests.object++;
    });
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('opens, renders every cell (app cells with their header and restored jobs), and takes typing', { timeout: 240_000 }, async (t) => {
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');
    const narrative = await asSignedIn<{ id: number; wsid: number; link: string; path: string }>(page, 'POST', '/api/v1/narratives', { title: 'Large study' });
    let cells: { metadata: unknown }[] = [];

    // One real job of the test app, whose state and outputs a hundred app cells then carry.
    const reads = await uploadReads(h.client(token), narrative.wsid, FASTQ);
    const started = await asSignedIn<{ id: number }>(page, 'POST', '/api/v1/jobs', { app: APP.id, version: APP.version, ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'ok' } });
    let job = await asSignedIn<Job>(page, 'GET', `/api/v1/jobs/${started.id}`);
    for (let i = 0; i < 600 && !hasEnded(job.state); i++) {
      await page.waitForTimeout(100);
      job = await asSignedIn(page, 'GET', `/api/v1/jobs/${started.id}`);
    }
    assert.equal(job.state, 'completed');
    const done = { id: job.id, outputs: outputsOf(job) };
    assert.equal(done.outputs.length, 1);

    // The generated notebook, saved over the narrative's through the Contents API.
    const contentsPath = `/api/v1/contents/${encodeURIComponent(narrative.path)}`;
    const model = await asSignedIn<{ content: { metadata: Record<string, unknown>; nbformat: number; nbformat_minor: number } }>(page, 'GET', contentsPath);
    cells = generateCells(reads, done) as { metadata: unknown }[];
    const content = { ...model.content, cells };
    await asSignedIn(page, 'PUT', contentsPath, { type: 'notebook', format: 'json', content });
    const saved = await asSignedIn<{ cells: unknown[] }>(page, 'GET', `/api/v1/narratives/${narrative.id}/notebook`);
    assert.equal(saved.cells.length, CELLS);

    // Open it. JupyterLab's default windowing (contentVisibility) puts every cell in the page, in idle time.
    Object.assign(requests, { appVersion: 0, job: 0, jobLog: 0, jobList: 0, lookup: 0, object: 0 });
    const opening = Date.now();
    await page.goto(`${h.server.url}${narrative.link}`);
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    await page.locator('.lm-TabBar-tab', { hasText: narrative.path }).waitFor({ timeout: 30_000 });
    await page.locator('.jp-Notebook .jp-Cell').first().waitFor({ timeout: 30_000 });
    const firstCellMs = Date.now() - opening;
    const notebook = page.locator('.jp-NotebookPanel .jp-Notebook');
    const counts = () => page.evaluate(() => ({
      cells: document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell[data-windowed-list-index]').length,
      named: Array.from(document.querySelectorAll('.jp-narrative-AppCell .jp-narrative-AppCellName')).filter((n) => n.textContent === 'Count lines').length,
      completed: document.querySelectorAll('.jp-narrative-AppCell .jp-narrative-AppState[data-state="completed"]').length,
      outputs: Array.from(document.querySelectorAll('.jp-narrative-AppOutput')).filter((n) => n.textContent?.includes('Report.Report-1.0')).length,
    }));
    const expected = { cells: CELLS, named: CELLS / 2, completed: 100, outputs: 100 };
    let now = await counts();
    for (let i = 0; i < 1200 && JSON.stringify(now) !== JSON.stringify(expected); i++) {
      await page.waitForTimeout(100);
      now = await counts();
    }
    const allRenderedMs = Date.now() - opening;
    assert.deepEqual(now, expected, 'every cell, app cell header, restored job and its output is in the page');

    // Scroll through the whole notebook, most of a screenful at a time: every cell shows what it holds.
    const scrolling = Date.now();
    await page.evaluate(() => { document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')!.scrollTop = 0; });
    const shown = new Set<number>();
    const wrong = new Map<number, string>();
    let scrollSteps = 0;
    for (let end = false; !end && scrollSteps < 2000; scrollSteps++) {
      // Cells just scrolled to may still be laying out: look again briefly before calling one wrong.
      for (let attempt = 0; ; attempt++) {
        const seen = await visibleCells(page);
        const bad = seen.map((s) => [s.index, mismatch(s, done)] as const).filter(([, m]) => m !== null);
        if (bad.length === 0 || attempt === 50) {
          for (const s of seen) if (!mismatch(s, done)) shown.add(s.index);
          for (const [index, m] of bad) wrong.set(index, m!);
          break;
        }
        await page.waitForTimeout(100);
      }
      end = await page.evaluate(() => new Promise<boolean>((resolve) => {
        const outer = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')!;
        const before = outer.scrollTop;
        outer.scrollTop = before + outer.clientHeight * 0.9;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(outer.scrollTop <= before)));
      }));
    }
    const scrollThroughMs = Date.now() - scrolling;
    for (const index of shown) wrong.delete(index);
    assert.deepEqual([...wrong].slice(0, 10), [], 'cells that showed something else');
    const missing = Array.from({ length: CELLS }, (_, i) => i).filter((i) => !shown.has(i));
    assert.deepEqual(missing, [], 'every cell was seen rendered while scrolling');

    // Opening and restoring changed no cell (the kernel adds its kernelspec to the notebook's own metadata, as in any lab).
    const metadata = await page.evaluate(() => {
      const model = (globalThis as unknown as { jupyterapp: { shell: { currentWidget: { content: { model: { cells: { length: number; get(i: number): { sharedModel: { getMetadata(): unknown } } } } } } } } })
        .jupyterapp.shell.currentWidget.content.model;
      return Array.from({ length: model.cells.length }, (_, i) => JSON.stringify(model.cells.get(i).sharedModel.getMetadata()));
    });
    const changed = metadata.map((m, i) => (m === JSON.stringify(cells[i]!.metadata) ? -1 : i)).filter((i) => i >= 0);
    assert.deepEqual(changed.slice(0, 10), [], 'cells whose metadata changed on opening');

    // Still usable: a click into a code cell, and what is typed shows up.
    const typedText = '# typed after loading 1000 cells';
    const code = notebook.locator('.jp-CodeCell:not(.jp-narrative-AppCell)').filter({ hasText: `# cell ${CELLS - 2}` });
    await code.locator('.cm-content').click();
    const typing = Date.now();
    await page.keyboard.type(typedText);
    await code.locator('.cm-content', { hasText: typedText }).waitFor({ timeout: 10_000 });
    const typeMs = Date.now() - typing;
    await page.keyboard.press('Escape');

    // The app version is fetched once for the whole lab, not once per app cell.
    assert.ok(requests.appVersion >= 1 && requests.appVersion <= 2, `the app version was fetched ${requests.appVersion} times`);
    // The jobs, their logs and the cells' runs come in one lookup for the whole notebook, not a request (or three) per app cell.
    assert.deepEqual({ lookup: requests.lookup, job: requests.job, jobLog: requests.jobLog, jobList: requests.jobList }, { lookup: 1, job: 0, jobLog: 0, jobList: 0 });
    // App cells carry no code editor: their input is hidden and empty.
    assert.equal(await page.evaluate(() => document.querySelectorAll('.jp-narrative-AppCell .cm-editor').length), 0, 'app cells with a CodeMirror editor');

    // Searching the notebook passes over the app cells (whose editors are made only if something needs them) without an error.
    await code.locator('.cm-content').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+f');
    const search = page.locator('.jp-DocumentSearch-input');
    await search.fill(`cell ${CELLS - 2}`);
    await page.locator('.jp-DocumentSearch-index-counter', { hasText: /^[-1]\/1$/ }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Escape');

    // A screenful with restored jobs, for the docs.
    await page.evaluate(() => document.querySelector('.jp-Notebook .jp-Cell[data-windowed-list-index="10"]')!.scrollIntoView({ block: 'start' }));
    await notebook.locator('.jp-Cell[data-windowed-list-index="11"] .jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: screenshotPath('large-narrative.png') });

    const timings = { cells: CELLS, firstCellMs, allRenderedMs, scrollThroughMs, scrollSteps, typeMs, typedKeys: typedText.length, requests };
    console.log(`large-narrative timings: ${JSON.stringify(timings)}`);
    t.diagnostic(`timings ${JSON.stringify(timings)}`);
    assert.deepEqual(problems, []);
  });
});
