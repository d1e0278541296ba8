import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { NarrativeClient, outputsOf, type Job, type ObjectVersion } from '@narrative/server/client';
import { dragTo, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { BUILT_APPS_CACHE } from '../support/built-apps.js';
import { needs, needsRoot } from '../support/prerequisites.js';
import { kill9 } from '../support/server-process.js';

const CLI = fileURLToPath(new URL('../../../server/dist/cli/main.js', import.meta.url));
const TITLE = 'Example: assemble a genome';
/** MEGAHIT from a cold cache: built (a few minutes on two cores), stored and registered. */
const MEGAHIT_READY_MS = 15 * 60_000;

const sidebar = (page: import('playwright-core').Page, id: string) => page.locator(`.jp-SideBar .lm-TabBar-tab[data-id="${id}"]`).click();
/** The page's globals, as the functions evaluated in the page see them (this project compiles without the DOM library). */
declare const document: { querySelector(selector: string): unknown };

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;

/**
 * "Ready on first start": a brand-new data directory, the server started as
 * `npm start` starts it (bundled apps on, the local scheduler), an admin
 * makes a user, and the user, in the browser only, opens the example
 * narrative, watches MEGAHIT get ready in the Apps panel and runs it. The
 * build cache the other browser tests fill spares building MEGAHIT again.
 */
/** The tests' lean kernel image instead of the scientific one (1.3 GB), which a first start also builds after MEGAHIT. */
const LEAN_KERNEL_IMAGES = fileURLToPath(new URL('../../fixtures/kernels/', import.meta.url));

describe('ready on first start: a new user runs the example narrative', { skip: needsChromium() || needs("Debian's mmdebstrap (npm run setup installs it)", existsSync('/usr/bin/mmdebstrap')) }, () => {
  let home: string;
  let serve: ChildProcess;
  let url: string;
  let stderr = '';
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let newcomer: NarrativeClient;
  let newcomerToken: string;
  let assembly: ObjectVersion | undefined;
  const started = Date.now();

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'narrative-first-start-'));
    serve = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
      // The tests' shared build cache, or another (an empty one measures a cold first start).
      env: { ...withoutNarrativeSettings(process.env), NARRATIVE_HOME: home, NARRATIVE_BUNDLED_APPS: 'auto', NARRATIVE_KERNEL_IMAGES_DIR: LEAN_KERNEL_IMAGES, NARRATIVE_BUILD_CACHE: process.env.NARRATIVE_BUILD_CACHE || BUILT_APPS_CACHE, NARRATIVE_SCHEDULER: 'local', NARRATIVE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read to the end, so the request log never fills the pipe and stalls the server.
    const lines = createInterface({ input: serve.stdout! });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not serving after 30 s: ${stderr}`)), 30_000);
      serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
      lines.on('line', (line) => {
        const found = /^narrative is serving at (\S+)/.exec(line)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    ({ browser, stop: stopBrowser } = await launchChromium());
  });
  after(async () => {
    await stopBrowser?.();
    if (serve && serve.exitCode === null) {
      // SIGTERM, as Ctrl-C would: the server stops its builds with it. Killed if it has not gone in 20 s.
      const exited = new Promise((resolve) => serve.once('exit', resolve));
      serve.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      await kill9(serve);
    }
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('opens the example narrative, waits for MEGAHIT in the Apps panel, and runs it, all in the browser', async () => {
    const admin = new NarrativeClient({ url, token: (await readFile(join(home, 'admin-token'), 'utf8')).trim() });
    const { token } = await admin.createUser('newcomer', 'user', 'newcomer-password');
    newcomer = new NarrativeClient({ url, token });
    newcomerToken = token;

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = recordProblems(page);
    await signInToLab(page, url, '/lab', 'newcomer', 'newcomer-password');

    const progress = await newcomer.bundledApps();
    assert.equal(progress.enabled, true, progress.message);
    // The example's apps first, MEGAHIT first; then the kernel image code cells need.
    assert.deepEqual(progress.apps.slice(0, 4).map((a) => a.id), ['genomics/megahit', 'genomics/prodigal', 'genomics/assembly-stats', 'kernel/python-matplotlib'], "the example's apps first");

    // The example narrative is in the Narratives panel: open it.
    await sidebar(page, 'narrative-narratives-panel');
    await page.locator('#narrative-narratives-panel .jp-narrative-NarrativeEntry', { hasText: TITLE }).locator('.jp-narrative-NarrativeOpen').click();
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const cell = notebook.locator('.jp-narrative-AppCell').first();
    const body = cell.locator('.jp-narrative-AppCellBody');
    await body.locator('.jp-narrative-AppCellHeader', { hasText: 'genomics/megahit@1.2.9' }).waitFor({ timeout: 60_000 });
    const opened = Date.now();
    const megahit = (await newcomer.bundledApps()).apps.find((a) => a.id === 'genomics/megahit')!;
    process.stdout.write(`# MEGAHIT was ${megahit.state} (${megahit.percent ?? '-'} %) when the narrative opened, ${seconds(started)} after the start\n`);
    if (megahit.state !== 'ready') {
      // Not there yet: the cell says so (unless MEGAHIT became ready just before the cell asked).
      const said = body.locator('.jp-narrative-Message', { hasText: /still being built/ });
      await said.or(body.locator('.jp-narrative-AppRun')).first().waitFor({ timeout: 30_000 });
      if (await said.isVisible()) process.stdout.write(`# the cell said: ${await said.innerText()}\n`);
      else assert.equal((await newcomer.bundledApps()).apps[0]!.state, 'ready', 'a cell that found its app only once it was ready');
    }

    // The Apps panel: the bundled apps building, each with its progress bar, beside the narrative waiting for MEGAHIT.
    await sidebar(page, 'narrative-apps-panel');
    const apps = page.locator('#narrative-apps-panel');
    if (!(await newcomer.bundledApps()).done) {
      await apps.locator('.jp-narrative-BundledApp .jp-narrative-BundledBar').first().waitFor({ timeout: 30_000 });
      await cell.scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath('first-start.png') });
    }

    // MEGAHIT joins the catalog; the cell finds it and Run is enabled.
    await apps.locator('.jp-narrative-App[data-app-id="genomics/megahit"]').waitFor({ timeout: MEGAHIT_READY_MS });
    process.stdout.write(`# MEGAHIT ready ${seconds(started)} after the start (${seconds(opened)} after the narrative opened)\n`);
    const run = body.locator('.jp-narrative-AppRun:not([disabled])');
    await run.waitFor({ timeout: 60_000 });
    await run.click();
    await body.locator('.jp-narrative-AppState[data-state="completed"]').waitFor({ timeout: 10 * 60_000 });
    process.stdout.write(`# MEGAHIT completed ${seconds(started)} after the start\n`);
    await body.locator('.jp-narrative-AppOutput').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('example-run.png') });

    // Through the API: one job of the newcomer's, completed, with an assembly of the example reads.
    const jobs: Job[] = (await newcomer.listJobs()).items;
    assert.equal(jobs.length, 1);
    const [job] = jobs;
    assert.equal(job!.state, 'completed', JSON.stringify(job));
    assert.equal(job!.app, 'genomics/megahit');
    assembly = await newcomer.getObject(outputsOf(job!)[0]!);
    assert.equal(assembly.type, 'Genomics.Assembly-1.0');
    assert.ok((assembly.data as { contigCount: number }).contigCount > 0);
    assert.match(job!.inputs.map((i) => i.name).join(), /reads/);

    // `narrative serve` said so on its stderr, as it does in a terminal.
    assert.match(stderr, /genomics\/megahit@1\.2\.9 ready/);
    // The only failures allowed: the cell asking for MEGAHIT before it was registered ("still being built").
    const stillBuilding = (p: string) => /^404 GET \S+\/api\/v1\/apps\/genomics\/(megahit|prodigal|assembly-stats)\?version=/.test(p) || /^console: Failed to load resource: .*\b404\b/.test(p);
    assert.deepEqual(problems.filter((p) => !stillBuilding(p)), []);
  });

  it('loads the assembly in a code cell, plots its contig lengths with matplotlib, saves a report, and its provenance draws the cell', { skip: needsRoot("each user's kernels run under a uid of their own only when the server is root") }, async () => {
    assert.ok(assembly, 'MEGAHIT made an assembly');
    const image = await kernelImageReady(newcomer);
    // The first visit's kernel runs on the host's python (no image was ready then). Ended, as by
    // Kernel › Shut Down, the narrative opens into the image.
    const auth = { Authorization: `Bearer ${newcomerToken}` };
    for (const session of (await (await fetch(`${url}/api/sessions`, { headers: auth })).json()) as { id: string }[]) {
      assert.equal((await fetch(`${url}/api/sessions/${session.id}`, { method: 'DELETE', headers: auth })).status, 204);
    }
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems = recordProblems(page);
    await signInToLab(page, url, '/lab', 'newcomer', 'newcomer-password');
    await sidebar(page, 'narrative-narratives-panel');
    await page.locator('#narrative-narratives-panel .jp-narrative-NarrativeEntry', { hasText: TITLE }).locator('.jp-narrative-NarrativeOpen').click();
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await notebook.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').waitFor({ state: 'attached', timeout: 120_000 });

    // A code cell below the last one, and the assembly dropped onto it from the Data panel: the lines that load it go in.
    await notebook.locator('.jp-Notebook .jp-Cell').last().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('b');
    // By its place: running it adds a cell below.
    const cell = notebook.locator('.jp-Notebook .jp-CodeCell').nth(await notebook.locator('.jp-Notebook .jp-CodeCell').count() - 1);
    await sidebar(page, 'narrative-data-panel');
    // A drop that lands while the Data panel redraws its list (the job's new objects arrive) is lost, as a person's would be: drag again.
    const loadLine = /^(\w+) = narrative\.get\("(\d+\/\d+\/\d+)"\)$/m;
    let loaded: RegExpExecArray | null = null;
    for (let attempt = 0; attempt < 3 && !loaded; attempt++) {
      await dragTo(page, page.locator('#narrative-data-panel [data-section="own"] .jp-narrative-Object', { hasText: assembly.name }), cell.locator('.jp-InputArea-editor'));
      loaded = loadLine.exec(await cell.locator('.jp-InputArea-editor').innerText());
    }
    assert.ok(loaded, await cell.locator('.jp-InputArea-editor').innerText());
    assert.equal(loaded[2], assembly.ref);
    await cell.locator('.jp-InputArea-editor .cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type([
      `contigs = open(${loaded[1]}.files[0].path()).read().split(">")[1:]`,
      'lengths = sorted((len("".join(c.splitlines()[1:])) for c in contigs), reverse=True)',
      'import matplotlib.pyplot as plt',
      'plt.figure(figsize=(7, 3)); plt.bar(range(1, len(lengths) + 1), lengths, width=0.5, color="#3b7dd8"); plt.xticks(range(1, len(lengths) + 1)); plt.xlim(0, len(lengths) + 1)',
      'plt.xlabel("contig, longest first"); plt.ylabel("length (bp)"); plt.title(f"Contig lengths of the assembly ({sum(lengths):,} bp)")',
      'plt.savefig("contig-lengths.png", dpi=100); plt.show()',
      'table = {"name": "contigs", "columns": ["length (bp)"], "rows": [[n] for n in lengths]}',
      'ref = narrative.save("contig-lengths", "Report.Report-1.0", {"title": "Contig lengths", "text": f"{len(lengths)} contigs, the longest {lengths[0]} bp", "tables": [table]}, files=["contig-lengths.png"])',
      'print("saved", ref)',
    ].join('\n'));
    await page.keyboard.press('Shift+Enter');
    // Run once its prompt has a number; whatever it printed says why when there is no figure.
    await cell.locator('.jp-InputPrompt', { hasText: /\[\d+\]/ }).waitFor({ timeout: 180_000 }).catch(async (error: Error) => {
      await page.screenshot({ path: screenshotPath('code-cell-client-failed.png') });
      throw new Error(`the cell did not run: ${error.message}\nthe page: ${await cell.innerText()}`);
    });
    const figure = cell.locator('.jp-OutputArea-output img');
    await figure.waitFor({ timeout: 10_000 }).catch(async () => assert.fail(`no figure; the cell printed: ${await cell.locator('.jp-OutputArea').innerText()}`));
    assert.ok(await figure.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 300), 'the figure is drawn');
    const saved = cell.locator('.jp-OutputArea-output', { hasText: /^saved \d+\/\d+\/\d+$/m });
    await saved.waitFor({ timeout: 60_000 });
    const ref = /saved (\d+\/\d+\/\d+)/.exec(await saved.innerText())![1]!;
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => !document.querySelector('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty'), undefined, { timeout: 30_000 });
    await cell.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('code-cell-client.png') });

    // Its provenance: the cell, its source by digest, the kernel's image, and the assembly it read.
    const report = await newcomer.getObject(ref);
    assert.equal(report.type, 'Report.Report-1.0');
    const p = report.provenance;
    assert.equal(p.kind, 'code');
    assert.equal(p.code!.kernelImage, image);
    assert.deepEqual(p.code!.inputs, [assembly.ref]);
    assert.deepEqual(p.inputs.map((i) => i.resolved), [assembly.ref]);
    const notebookSaved = await newcomer.request<{ cells: { id: string; source: string | string[] }[] }>('GET', `/narratives/${p.narrative!.id}/notebook`);
    const cellSaved = notebookSaved.cells.find((c) => c.id === p.code!.cell);
    assert.ok(cellSaved, `the provenance names a cell of the narrative: ${p.code!.cell}`);
    assert.equal(p.code!.sourceSha256, createHash('sha256').update([cellSaved.source].flat().join(''), 'utf8').digest('hex'));
    assert.match(p.code!.source!, /plt\.bar\(/);

    // The provenance view draws it: the assembly → the code cell → the report, and the cell's details.
    await page.locator('#narrative-data-panel [data-section="own"] .jp-narrative-Object', { hasText: 'contig-lengths' }).click();
    await page.locator('.jp-narrative-ShowProvenance').click();
    const view = page.locator('.jp-narrative-Provenance');
    await view.locator('.jp-narrative-GraphNode.jp-mod-root').waitFor({ timeout: 30_000 });
    const step = view.locator('.jp-narrative-GraphNode.jp-mod-code');
    await step.waitFor({ timeout: 30_000 });
    assert.match(await step.textContent() ?? '', new RegExp(`code cell ${p.code!.cell!.slice(0, 8)}.*source sha256 ${p.code!.sourceSha256!.slice(0, 12)}`));
    await view.locator(`.jp-narrative-GraphNode[data-ref="${assembly.ref}"]`).waitFor();
    await view.locator('.jp-narrative-GraphNode', { hasText: 'genomics/megahit@1.2.9' }).waitFor();
    const details = await view.locator('.jp-narrative-ProvenanceDetails').innerText();
    for (const shown of ['code in a notebook cell', p.code!.cell!, p.code!.sourceSha256!, image, assembly.ref]) assert.ok(details.includes(shown), `the details show ${shown}: ${details}`);
    assert.match(await view.locator('.jp-narrative-ProvenanceSource').innerText(), /narrative\.save\("contig-lengths"/);
    await page.screenshot({ path: screenshotPath('code-cell-provenance.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });
});

/** Waits until the kernel image is built and offered, and gives its digest. */
async function kernelImageReady(client: NarrativeClient): Promise<string> {
  const until = Date.now() + MEGAHIT_READY_MS;
  for (;;) {
    const kernel = (await client.bundledApps()).apps.find((a) => a.id === 'kernel/python-matplotlib');
    assert.ok(kernel, 'the kernel image is in the bundled list');
    assert.notEqual(kernel.state, 'failed', JSON.stringify(kernel));
    if (kernel.state === 'ready') break;
    if (Date.now() > until) assert.fail(`the kernel image is not ready: ${JSON.stringify(kernel)}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const offered = await client.request<{ digest: string }[]>('GET', '/kernel-images');
  assert.equal(offered.length, 1, JSON.stringify(offered));
  return offered[0]!.digest;
}

/** The environment without the developer's own NARRATIVE_ settings: the server runs on its embedded defaults, as after `npm start`. */
function withoutNarrativeSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('NARRATIVE_') || name === 'NARRATIVE_BUILD_CACHE'));
}
