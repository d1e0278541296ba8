import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { needs } from './prerequisites.js';

/** The page's document, as functions evaluated in the page see it (this project compiles without the DOM library). */
declare const document: { cookie: string };

/** Debian's chromium (playwright cannot download browsers here); NARRATIVE_CHROMIUM names another. */
export const CHROMIUM = process.env.NARRATIVE_CHROMIUM || '/usr/bin/chromium';

/** The `skip` option of a browser suite: skipped without chromium, or failed under CI (./prerequisites.ts). */
export const needsChromium = (): string | false =>
  needs(`chromium at ${CHROMIUM} (npm run setup installs Debian's chromium)`, existsSync(CHROMIUM));

let screenshots: string | undefined;

/**
 * Where a browser test saves the screenshot `name`. A test run must not change tracked files, so
 * this is a temp directory (printed) unless NARRATIVE_SCREENSHOTS_DIR names one: `npm run
 * screenshots` sets it to docs/screenshots, and scripts/run-tests.mjs to one temp directory per run.
 */
export function screenshotPath(name: string): string {
  if (screenshots === undefined) {
    const chosen = process.env.NARRATIVE_SCREENSHOTS_DIR;
    if (chosen) mkdirSync((screenshots = resolve(chosen)), { recursive: true });
    else {
      screenshots = mkdtempSync(join(tmpdir(), 'narrative-screenshots-'));
      process.stdout.write(`# screenshots go to ${screenshots} (npm run screenshots refreshes docs/screenshots)\n`);
    }
  }
  return join(screenshots, name);
}

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Headless chromium with its home and caches in a temp directory, so runs share nothing. */
export async function launchChromium(): Promise<{ browser: Browser; stop(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'narrative-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: FLAGS,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') },
  });
  return {
    browser,
    async stop() {
      await browser.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Signs in on the sign-in page, which then goes on to `next` (a path), and waits until the lab has restored. */
export async function signInToLab(page: Page, baseUrl: string, next: string, name: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#name', name);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: 60_000 });
}

/** Console errors and failed requests of a page: a test asserts there were none it did not expect. */
export function recordProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return problems;
}

/** A REST call from the page as its signed-in user: the session cookie and its XSRF twin, as the lab sends them. */
export function asSignedIn<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return page.evaluate(async ({ method, path, body }) => {
    const xsrf = document.cookie.split('; ').find((c) => c.startsWith('_xsrf='))?.slice('_xsrf='.length) ?? '';
    const response = await fetch(path, { method, headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrf }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }, { method, path, body }) as Promise<T>;
}

/** Drags `from` onto `to` with the mouse, as a user does (a Lumino drag starts after a few pixels). */
export async function dragTo(page: Page, from: Locator, to: Locator): Promise<void> {
  // Both in place first: a panel still filling in would move them under the pointer.
  await from.waitFor({ state: 'visible' });
  await to.waitFor({ state: 'visible' });
  await from.hover();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + 20, a.y + 10);
  await page.mouse.down();
  await page.mouse.move(a.x + 40, a.y + 20, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
}
