import type { BrowserContext, Page } from 'playwright-core';
import type { Narrative, NarrativeClient } from '@narrative/server/client';
import { launchChromium, needsChromium, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { CELLS, generateCells, readsAndFinishedJob, saveCells } from '../support/large-narrative.js';
import { buildTestApp } from '../support/test-app.js';
import { figure, interleave, since, type Benchmark, type Figure } from './benchmark.js';

/** The page's DOM, as the functions evaluated in the page see it (this project compiles without the DOM library). */
interface PageNode {
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
  getBoundingClientRect(): { top: number; bottom: number };
  classList: { contains(name: string): boolean };
  scrollTop: number;
  clientHeight: number;
}
declare const document: PageNode;
declare function requestAnimationFrame(callback: () => void): number;

const REPEATS = Number(process.env.NARRATIVE_BENCH_OPEN_REPEATS ?? 2);
/** App cells with a finished job in the generated narrative. */
const JOBS = 100;
/** Cells holding what they show: an app cell its app and actions (and its restored job), a markdown cell its text, a code cell its editor. */
const CELL = '.jp-NotebookPanel .jp-Notebook .jp-Cell[data-windowed-list-index]';
/**
 * What a rendered cell holds, by its kind: an app cell its app and actions
 * (after its job, if any, was restored), a markdown cell its text, a code cell its editor.
 */
const CONTENT = { app: '.jp-narrative-AppActions', markdown: '.jp-RenderedMarkdown', code: '.cm-content' };
/** One element per rendered cell. */
const RENDERED = [
  `${CELL}.jp-narrative-AppCell ${CONTENT.app}`,
  `${CELL}.jp-MarkdownCell ${CONTENT.markdown}`,
  `${CELL}.jp-CodeCell:not(.jp-narrative-AppCell) ${CONTENT.code}`,
].join(', ');

/** One opening of a narrative: until every cell is rendered, then the scroll through it, and the page's requests in each. */
interface Opening {
  renderMs: number;
  scrollMs: number;
  /** Screenfuls scrolled: a notebook of taller cells takes more. */
  screens: number;
  requests: number;
  /** Requests to the REST API by what they ask for (`GET /api/v1/jobs/{id}` counts as `GET jobs/{id}`). */
  api: Map<string, number>;
}

/**
 * A 1,000-cell narrative (half app cells, 100 with a finished job) opened in
 * the lab in Chromium until every cell is rendered, and then scrolled through
 * to its end, against the same notebook with plain code cells where the app
 * cells are, opened by another user of the same lab (so that neither lab
 * restores the other's notebook). Opens alternate between the two.
 */
const narrativeOpen: Benchmark = {
  name: 'narrative-open',
  title: 'Opening a 1,000-cell narrative (500 app cells, 100 with finished jobs) in Chromium, against the same notebook of plain code cells',
  async run(): Promise<Figure[]> {
    const missing = needsChromium();
    if (missing) throw new Error(`narrative-open needs ${missing}`);
    const h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    const chromium = await launchChromium().catch(async (error: unknown) => {
      await h.stop();
      throw error;
    });
    try {
      await h.admin.registerApp(await buildTestApp());
      const apps = await userWithNarrative(h, 'alice', { plainCode: false });
      const plain = await userWithNarrative(h, 'bob', { plainCode: true });
      const contexts = { apps: await chromium.browser.newContext(), plain: await chromium.browser.newContext() };
      await signIn(h, contexts.apps, 'alice');
      await signIn(h, contexts.plain, 'bob');
      const seen = { apps: [] as Opening[], plain: [] as Opening[] };
      const measure = (which: 'apps' | 'plain', link: string) => async () => {
        const o = await open(contexts[which], h.server.url + link, { scroll: true, jobs: which === 'apps' ? JOBS : 0 });
        seen[which].push(o);
        return o.renderMs;
      };
      const render = await interleave(REPEATS, measure('apps', apps.link), measure('plain', plain.link));
      const total = (o: Opening) => o.renderMs + o.scrollMs;
      const perScreen = (o: Opening) => o.scrollMs / o.screens;
      const baseline = 'the same notebook with plain code cells for app cells';
      return [
        figure({
          name: 'open until every cell is rendered', unit: 'ms', samples: render.measured,
          baseline: { name: baseline, samples: render.baseline }, target: { ratio: 1.05, at: 'most' },
          notes: `${CELLS} cells, every one in the page with its content`,
        }),
        figure({
          name: 'open, then scroll through to the end', unit: 'ms', samples: seen.apps.map(total),
          baseline: { name: baseline, samples: seen.plain.map(total) }, target: { ratio: 1.05, at: 'most' },
          notes: `scrolling alone: ${medianOf(seen.apps.map((o) => o.scrollMs))} ms over ${seen.apps[0]!.screens} screenfuls against ${medianOf(seen.plain.map((o) => o.scrollMs))} ms over ${seen.plain[0]!.screens}`,
        }),
        figure({
          name: 'scrolling, per screenful', unit: 'ms', samples: seen.apps.map(perScreen),
          baseline: { name: baseline, samples: seen.plain.map(perScreen) }, target: { ratio: 1.05, at: 'most' },
          notes: 'each step scrolls 90 % of the view and waits until every cell in view holds its content: app cells are taller than three-line code cells, so the app notebook has more screenfuls',
        }),
        figure({
          name: 'requests while opening and scrolling through', unit: 'requests', samples: seen.apps.map((o) => o.requests),
          baseline: { name: baseline, samples: seen.plain.map((o) => o.requests) }, target: { ratio: 1.05, at: 'most' },
          notes: `REST API calls of the app notebook: ${describeApi(seen.apps[0]!.api)}; of the plain one: ${describeApi(seen.plain[0]!.api)}`,
        }),
      ];
    } finally {
      await chromium.stop();
      await h.stop();
    }
  },
};

export default narrativeOpen;

/** A user whose narrative holds the 1,000 cells: app cells as generated, or plain code cells in their place. */
async function userWithNarrative(h: Harness, name: string, o: { plainCode: boolean }): Promise<Narrative> {
  const { token } = await h.admin.createUser(name, 'user', `${name}-password`);
  const client: NarrativeClient = h.client(token);
  const narrative = await client.createNarrative('Large study');
  const { reads, job } = await readsAndFinishedJob(client, narrative);
  await saveCells(client, narrative, generateCells(reads, job, o));
  return narrative;
}

async function signIn(h: Harness, context: BrowserContext, name: string): Promise<void> {
  const page = await context.newPage();
  await signInToLab(page, h.server.url, '/lab', name, `${name}-password`);
  await page.close();
}

/** Opens the narrative at `url` in a new page of `context` and times it until every cell is rendered (and the scroll through it). */
async function open(context: BrowserContext, url: string, o: { scroll?: boolean; jobs?: number } = {}): Promise<Opening> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  let requests = 0;
  const api = new Map<string, number>();
  page.on('request', (r) => {
    requests++;
    const path = new URL(r.url()).pathname;
    if (!path.startsWith('/api/v1/')) return;
    const what = `${r.method()} ${path.slice('/api/v1/'.length).replace(/\/\d+(?=\/|$)/g, '/{id}').replace(/^(apps|objects)\/.*/, '$1/…')}`;
    api.set(what, (api.get(what) ?? 0) + 1);
  });
  try {
    const started = performance.now();
    await page.goto(url);
    await everyCellRendered(page);
    const renderMs = since(started);
    const jobs = await page.evaluate(() => document.querySelectorAll('.jp-narrative-AppCell .jp-narrative-AppState[data-state="completed"] ~ .jp-narrative-AppOutputs .jp-narrative-AppOutput').length);
    if (jobs !== (o.jobs ?? 0)) throw new Error(`${jobs} app cells show their finished job's output, not ${o.jobs ?? 0}`);
    const scrolling = performance.now();
    const screens = o.scroll ? await scrollThrough(page) : 0;
    return { renderMs, scrollMs: o.scroll ? since(scrolling) : 0, screens, requests, api };
  } finally {
    await page.close();
  }
}

/**
 * Until every cell is in the page holding what it shows. The page is asked a
 * few times a second, with one selector: asking more often would take the idle
 * time JupyterLab renders cells in.
 */
async function everyCellRendered(page: Page): Promise<void> {
  await page.waitForFunction(({ rendered, cells }) => document.querySelectorAll(rendered).length === cells, { rendered: RENDERED, cells: CELLS }, { polling: 200, timeout: 180_000 });
}

/**
 * Scrolls from the top to the end, most of a screenful at a time, each time
 * until every cell in view is rendered; in the page, so that each step costs
 * no round trip to it.
 */
async function scrollThrough(page: Page): Promise<number> {
  const steps = await page.evaluate(async ({ cell, content }) => {
    const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    const outer = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')!;
    const inViewRendered = () => {
      const box = outer.getBoundingClientRect();
      return Array.from(outer.querySelectorAll(cell)).every((c) => {
        const r = c.getBoundingClientRect();
        if (r.bottom <= box.top || r.top >= box.bottom) return true;
        const kind = c.classList.contains('jp-narrative-AppCell') ? content.app : c.classList.contains('jp-MarkdownCell') ? content.markdown : content.code;
        return c.querySelector(kind) !== null;
      });
    };
    outer.scrollTop = 0;
    for (let step = 1; step <= 5000; step++) {
      for (let tries = 0; !inViewRendered(); tries++) {
        if (tries === 600) throw new Error(`the cells in view at step ${step} were not rendered after 600 frames`);
        await frame();
      }
      const before = outer.scrollTop;
      outer.scrollTop = before + outer.clientHeight * 0.9;
      await frame();
      await frame();
      if (outer.scrollTop <= before) return step;
    }
    return -1;
  }, { cell: CELL, content: CONTENT });
  if (steps < 0) throw new Error('the notebook did not end after 5,000 screenfuls');
  return steps;
}

function medianOf(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!.toFixed(0);
}

function describeApi(api: Map<string, number>): string {
  return [...api].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${n}× ${what}`).join(', ');
}
