import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { asSignedIn, launchChromium, needsChromium, recordProblems, screenshotPath, signInToLab } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * The real JupyterLab app in real chromium against a real server: a
 * narrative opened from its share link, a Python code cell run through the
 * kernel proxy and saved as a new version, and a reader who sees it.
 */
describe('the lab in chromium', { skip: needsChromium() }, () => {
  let h: Harness;
  let browser: Browser;
  let stopBrowser: () => Promise<void>;
  let narrative: { id: number; link: string; path: string };

  before(async () => {
    h = await startHarness([], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    for (const name of ['alice', 'bob']) await h.admin.createUser(name, 'user', `${name}-password`);
    ({ browser, stop: stopBrowser } = await launchChromium());
  });
  after(async () => {
    await stopBrowser?.();
    await h?.stop();
  });

  it('opens a narrative from its link after sign-in, runs a code cell and saves it as a new version', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = recordProblems(page);
    await signInToLab(page, h.server.url, '/lab', 'alice', 'alice-password');
    narrative = await asSignedIn<typeof narrative>(page, 'POST', '/api/v1/narratives', { title: 'Pseudomonas study' });
    await asSignedIn(page, 'PUT', `/api/v1/narratives/${narrative.id}/share`, { user: 'bob', level: 'read' });

    await page.goto(`${h.server.url}${narrative.link}`);
    await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
    assert.equal(new URL(page.url()).pathname, `/lab/tree/${encodeURIComponent(narrative.path)}`);
    const tab = page.locator('.lm-TabBar-tab', { hasText: narrative.path });
    await tab.waitFor({ timeout: 30_000 });
    await page.waitForSelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', { state: 'attached', timeout: 60_000 });

    // A new narrative opens on its title (a Markdown cell): add a code cell below it, as a scientist would with B.
    await page.locator('.jp-Notebook .jp-Cell').first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('b');
    await page.keyboard.press('Enter');
    await page.keyboard.type('import os\nprint(6 * 7, "from", "uid", os.getuid())');
    await page.keyboard.press('Shift+Enter');
    const output = page.locator('.jp-OutputArea-output').first();
    await output.waitFor({ timeout: 60_000 });
    assert.match(await output.innerText(), /^42 from uid [1-9][0-9]*$/m);
    await page.keyboard.press('Control+s');
    await page.waitForFunction(async (id) => {
      const r = await fetch(`/api/v1/narratives/${id}/notebook`);
      const nb = (await r.json()) as { cells: { source: string | string[]; outputs?: unknown[] }[] };
      return nb.cells.some((c) => [c.source].flat().join('').includes('6 * 7') && (c.outputs ?? []).length > 0);
    }, narrative.id, { timeout: 30_000 });
    await page.screenshot({ path: screenshotPath('lab-code-cell.png') });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('a reader opens the shared link and sees the saved output', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signInToLab(page, h.server.url, narrative.link, 'bob', 'bob-password');
    const output = page.locator('.jp-OutputArea-output').first();
    await output.waitFor({ timeout: 60_000 });
    assert.match(await output.innerText(), /^42 from uid/m);
    await page.screenshot({ path: screenshotPath('lab-reader.png') });
    await page.close();
  });
});
