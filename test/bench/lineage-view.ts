import type { Page } from 'playwright-core';
import { NarrativeClient } from '@narrative/server/client';
import { launchChromium, needsChromium, signInToLab } from '../support/browser.js';
import type { Served } from '../support/server-process.js';
import { figure, interleave, type Figure } from './benchmark.js';

/** The page's globals, as functions evaluated in the page see them (this project compiles without the DOM library). */
declare const jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> }; shell: { widgets(area: string): Iterable<{ id: string; dispose(): void }> } };
declare const document: { querySelector(selector: string): unknown };
declare function requestAnimationFrame(callback: () => void): void;

const ROUNDS = 5;
/** Branches of descendants from the root; the view walks 20 steps each way. */
const WIDTH = 25;
const DEEP = 20;
const SHALLOW = 2;
const PASSWORD = 'lineage-view-password';

/**
 * The lab's provenance view opening on a version with 500 descendants
 * (25 branches 20 steps long: the view's depth), from the command to the
 * graph drawn and painted, in Chromium; read against the same view of a
 * version with 50 (25 branches 2 steps long), interleaved. Linear drawing
 * would take at most 10 times as long.
 */
export async function provenanceViewFigure(served: Served): Promise<Figure> {
  const missing = needsChromium();
  if (missing) throw new Error(`the provenance view figure needs ${missing}`);
  const viewer = new NarrativeClient({ url: served.url, token: (await served.client.createUser('viewer', 'user', PASSWORD)).token });
  const wsid = (await viewer.createWorkspace('lineage-view')).id;
  const wide = await fan(viewer, wsid, 'deep', DEEP);
  const narrow = await fan(viewer, wsid, 'shallow', SHALLOW);
  const chromium = await launchChromium();
  try {
    const page = await chromium.browser.newPage();
    await signInToLab(page, served.url, '/lab', 'viewer', PASSWORD);
    await drawn(page, narrow.root);
    const { measured, baseline } = await interleave(ROUNDS, () => drawn(page, wide.root), () => drawn(page, narrow.root));
    return figure({
      name: `the lab's provenance view of ${wide.versions} versions, opened and drawn`, unit: 'ms', samples: measured,
      baseline: { name: `the same view of ${narrow.versions} versions`, samples: baseline }, target: { ratio: 10, at: 'most' },
      notes: 'Chromium, from narrative:open-provenance to the graph painted (its lineage fetched page by page, the first 60 readable objects read for their steps)',
    });
  } finally {
    await chromium.stop();
  }
}

/** A root and `WIDTH` branches of `length` descendants each, saved through the API. */
async function fan(client: NarrativeClient, wsid: number, name: string, length: number): Promise<{ root: string; versions: number }> {
  const root = (await client.saveObject(wsid, { name: `${name}-root`, type: 'Report.Report-1.0', data: { title: name } })).ref;
  for (let branch = 0; branch < WIDTH; branch++) {
    let parent = root;
    for (let step = 0; step < length; step++) {
      parent = (await client.saveObject(wsid, { name: `${name}-${branch}-${step}`, type: 'Report.Report-1.0', data: { title: name }, inputs: [parent] })).ref;
    }
  }
  return { root, versions: 1 + WIDTH * length };
}

/** Milliseconds from opening the view of `ref` to its graph painted; the view is closed again after. */
async function drawn(page: Page, ref: string): Promise<number> {
  return page.evaluate(async (ref) => {
    const started = performance.now();
    await jupyterapp.commands.execute('narrative:open-provenance', { ref });
    const id = `narrative-provenance-${ref.replace(/\//g, '-')}`;
    const graph = `#${id} .jp-narrative-ProvenanceGraph svg`;
    while (!document.querySelector(graph)) await new Promise<void>((resolve) => requestAnimationFrame(resolve));
    // Two frames: the one that lays the graph out and paints it.
    await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const took = performance.now() - started;
    for (const widget of jupyterapp.shell.widgets('main')) if (widget.id === id) widget.dispose();
    return took;
  }, ref);
}
