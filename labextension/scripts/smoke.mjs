// Smoke check of dist/lab: a throwaway node:http server answers exactly what
// the lab needs at start-up, Debian's chromium opens /lab, and the check
// reports every request the page made, console errors and a screenshot.
// What this server answers is the contract the narrative server must meet.
//
//   node labextension/scripts/smoke.mjs   (after `npm run build -w labextension`)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const distLab = fileURLToPath(new URL('../dist/lab/', import.meta.url));
const screenshotPath = '/tmp/lab-smoke.png';
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const restoreTimeoutMs = 60_000;

const build = JSON.parse(fs.readFileSync(path.join(distLab, 'build.json'), 'utf8'));
const template = fs.readFileSync(path.join(distLab, build.template.file), 'utf8');
const now = new Date().toISOString();

const mimeTypes = { '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.png': 'image/png' };

/** The page, rendered as the server must render it: build.json's page config, filled into the template. */
function renderPage() {
  const pageConfig = { ...build.pageConfig, appVersion: 'smoke', exposeAppInBrowser: 'true' };
  const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return template
    .replaceAll('{{appName}}', escapeHtml(pageConfig.appName))
    .replaceAll('{{fullStaticUrl}}', pageConfig.fullStaticUrl)
    .replaceAll('{{pageConfigJson}}', JSON.stringify(pageConfig).replaceAll('<', '\\u003c'));
}

/** The user's settings per plugin id, as the raw JSON5 text the lab PUTs; the real server keeps them per user. */
const userSettings = new Map();
const parseOrEmpty = (raw) => {
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
};

/** One plugin as GET <appUrl>/api/settings lists it: its schema and the user's settings. */
function settingsOf(id) {
  const [packageName, plugin] = id.split(':');
  const file = path.join(distLab, 'schemas', packageName, `${plugin}.json`);
  if (!fs.existsSync(file)) return null;
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  const raw = userSettings.get(id) ?? '{}';
  return { id, schema, raw, settings: parseOrEmpty(raw), version: build.jupyterlabVersion, last_modified: now, created: now };
}

/** One narrative, as the Contents API models it: a notebook in one flat directory. */
const narrativePath = 'Smoke test (1).ipynb';
const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    { id: 'title', cell_type: 'markdown', metadata: {}, source: '# Smoke test narrative' },
    { id: 'code', cell_type: 'code', metadata: {}, source: 'print(1 + 1)', execution_count: 1, outputs: [{ output_type: 'stream', name: 'stdout', text: '2\n' }] },
  ],
};
const notebookModel = (content) => ({ name: narrativePath, path: narrativePath, type: 'notebook', format: content ? 'json' : null, mimetype: null, writable: true, created: now, last_modified: now, size: null, hash: null, hash_algorithm: null, content: content ?? null });
const directory = { name: '', path: '', type: 'directory', format: 'json', mimetype: null, writable: true, created: now, last_modified: now, size: null, hash: null, hash_algorithm: null, content: [notebookModel(null)] };
const saves = [];
const xsrf = 'smoke-xsrf-token';
const identity = { identity: { username: 'smoke', name: 'Smoke Test', display_name: 'Smoke Test', initials: 'ST', avatar_url: null, color: null }, permissions: {} };
const workspaces = new Map();

/** [method, path pattern, handler(match, body, headers) -> [status, json]]: the HTTP APIs the lab calls at start-up and on open/save. */
const api = [
  ['GET', /^\/lab\/api\/settings\/?$/, () => [200, { settings: build.settingsPlugins.map(settingsOf) }]],
  ['GET', /^\/lab\/api\/settings\/(.+)$/, ([, id]) => { const s = settingsOf(decodeURIComponent(id)); return s ? [200, s] : [404, { message: `no schema for ${id}` }]; }],
  ['PUT', /^\/lab\/api\/settings\/(.+)$/, ([, id], body) => { userSettings.set(decodeURIComponent(id), JSON.parse(body).raw); return [204, null]; }],
  ['GET', /^\/lab\/api\/translations\/?$/, () => [200, { data: { en: { displayName: 'English', nativeName: 'English' } }, message: '' }]],
  ['GET', /^\/lab\/api\/translations\/([^/]+)$/, () => [200, { data: {}, message: '' }]],
  ['GET', /^\/lab\/api\/workspaces\/(.+)$/, ([, id]) => [200, workspaces.get(id) ?? { data: {}, metadata: { id: decodeURIComponent(id) } }]],
  ['PUT', /^\/lab\/api\/workspaces\/(.+)$/, ([, id], body) => { workspaces.set(id, JSON.parse(body)); return [204, null]; }],
  ['GET', /^\/api\/kernelspecs\/?$/, () => [200, { default: '', kernelspecs: {} }]],
  ['GET', /^\/api\/sessions\/?$/, () => [200, []]],
  ['GET', /^\/api\/kernels\/?$/, () => [200, []]],
  ['GET', /^\/api\/me\/?$/, () => [200, identity]],
  ['GET', /^\/api\/v1\/contents\/?$/, () => [200, directory]],
  ['GET', /^\/api\/v1\/contents\/([^/]+)$/, ([, p]) => (decodeURIComponent(p) === narrativePath ? [200, notebookModel(notebook)] : [404, { message: `no narrative at ${p}` }])],
  ['GET', /^\/api\/v1\/contents\/([^/]+)\/checkpoints$/, () => [200, [{ id: '1', last_modified: now }]]],
  ['POST', /^\/api\/v1\/contents\/([^/]+)\/checkpoints$/, () => [201, { id: '2', last_modified: now }]],
  ['PUT', /^\/api\/v1\/contents\/([^/]+)$/, (_match, body, headers) => {
    saves.push({ xsrfHeader: headers['x-xsrftoken'], body: JSON.parse(body) });
    return headers['x-xsrftoken'] === xsrf ? [200, notebookModel(null)] : [403, { message: 'missing X-XSRFToken' }];
  }],
];

const staticRoots = [
  ['/lab/static/', path.join(distLab, 'static')],
  ['/lab/schemas/', path.join(distLab, 'schemas')],
  ['/lab/themes/', path.join(distLab, 'themes')],
];

const requests = [];

/** ServerConnection appends a bare timestamp to every GET to defeat caches; it says nothing about the API. */
const withoutCacheBuster = (search) => search.replace(/[?&]\d{10,}$/, '').replace(/^&/, '?');

function serveFile(res, root, rel) {
  const file = path.join(root, decodeURIComponent(rel));
  if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return false;
  res.writeHead(200, { 'content-type': mimeTypes[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
  return true;
}

function handle(req, res, body) {
  const { pathname, search } = new URL(req.url, 'http://localhost');
  const reply = (status, payload, type = 'application/json') => {
    requests.push({ method: req.method, path: pathname, query: withoutCacheBuster(search), status });
    // Like the real server: the page sets the _xsrf cookie that ServerConnection echoes as X-XSRFToken.
    const cookie = type.startsWith('text/html') ? { 'set-cookie': `_xsrf=${xsrf}; Path=/; SameSite=Lax` } : {};
    res.writeHead(status, payload === null ? cookie : { 'content-type': type, ...cookie });
    res.end(payload === null ? undefined : type === 'application/json' ? JSON.stringify(payload) : payload);
  };
  if (req.method === 'GET' && /^\/lab(\/(tree|workspaces)(\/.*)?)?\/?$/.test(pathname)) return reply(200, renderPage(), 'text/html; charset=utf-8');
  for (const [prefix, root] of staticRoots) {
    if (req.method === 'GET' && pathname.startsWith(prefix) && serveFile(res, root, pathname.slice(prefix.length))) {
      requests.push({ method: req.method, path: pathname, query: withoutCacheBuster(search), status: 200 });
      return;
    }
  }
  for (const [method, pattern, handler] of api) {
    const match = req.method === method && pathname.match(pattern);
    if (match) return reply(...handler(match, body, req.headers));
  }
  reply(404, { message: `smoke server: no ${req.method} ${pathname}` });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
});

/** Websockets the lab opens at start-up; accepted and left idle (the real server proxies them to Jupyter server). */
const websockets = [/^\/api\/events\/subscribe$/];
const sockets = new Set();
server.on('upgrade', (req, socket) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  const accepted = websockets.some((pattern) => pattern.test(pathname));
  requests.push({ method: 'WS', path: pathname, query: '', status: accepted ? 101 : 404 });
  if (!accepted) return socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.on('error', () => {});
  sockets.add(socket);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

// A fresh profile and home, so nothing from an earlier run or the machine's user leaks in.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-smoke-'));
const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_CACHE_HOME: path.join(home, 'cache'), XDG_DATA_HOME: path.join(home, 'data'), XDG_RUNTIME_DIR: path.join(home, 'run') };
fs.mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });

const consoleErrors = [];
const failures = [];
let context;
let summary;
try {
  context = await chromium.launchPersistentContext(path.join(home, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    env,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => failures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));

  const started = Date.now();
  await page.goto(`${origin}/lab`);
  await page.waitForSelector('body[data-lab-restored]', { state: 'attached', timeout: restoreTimeoutMs });
  const restoredMs = Date.now() - started;
  // Let the file browser's first listing and the settings saves of start-up land.
  await page.waitForTimeout(1500);
  summary = await page.evaluate(() => {
    const app = window.jupyterapp;
    return {
      plugins: app.listPlugins(),
      activated: app.listPlugins().filter((id) => app.isPluginActivated(id)),
      theme: document.body.dataset.jpThemeName,
      fileBrowser: Boolean(document.querySelector('.jp-FileBrowser')),
      drive: app.serviceManager.contents.defaultDrive?.name,
    };
  });
  summary.restoredMs = restoredMs;
  summary.listed = await page.locator('.jp-DirListing-item', { hasText: 'Smoke test (1)' }).count();

  // Open the narrative through the drive, check it renders, and save it back.
  await page.evaluate((p) => window.jupyterapp.commands.execute('docmanager:open', { path: p, kernel: { name: 'none' } }), narrativePath);
  await page.waitForSelector('.jp-Notebook .jp-RenderedMarkdown h1', { timeout: 20_000 });
  summary.output = (await page.locator('.jp-Notebook .jp-OutputArea-output').first().textContent())?.trim();
  await page.evaluate(() => window.jupyterapp.shell.currentWidget.context.save());
  // With no kernel specs (no Jupyter server behind this check) the lab asks for a kernel: decline.
  await page.locator('.jp-Dialog').getByRole('button', { name: 'No Kernel' }).click({ timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshotPath });

  // The dark theme loads its CSS from themesUrl and saves the choice through the settings API.
  await page.evaluate(() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
  await page.waitForSelector('body[data-jp-theme-name="JupyterLab Dark"]', { state: 'attached', timeout: 10_000 });
  summary.darkTheme = true;
} finally {
  await context?.close();
  for (const socket of sockets) socket.destroy();
  server.close();
  fs.rmSync(home, { recursive: true, force: true });
}

const seen = new Map();
for (const { method, path: p, query, status } of requests) {
  const key = p.startsWith('/lab/static/') && !p.endsWith('bundle.js') ? `${method} /lab/static/<chunk>` : `${method} ${p}${query}`;
  const entry = seen.get(key) ?? { count: 0, statuses: new Set() };
  entry.count += 1;
  entry.statuses.add(status);
  seen.set(key, entry);
}
const notFound = requests.filter(({ status }) => status >= 400);

console.log(`restored in ${summary.restoredMs} ms; theme "${summary.theme}" (dark theme ${summary.darkTheme ? 'applied' : 'FAILED'}); file browser ${summary.fileBrowser ? 'shown' : 'MISSING'}; default drive "${summary.drive}"`);
console.log(`${summary.plugins.length} plugins registered, ${summary.activated.length} activated`);
console.log(`narrative listed: ${summary.listed === 1}; opened with output "${summary.output}"; saves: ${saves.length} (X-XSRFToken ${saves.every((x) => x.xsrfHeader === xsrf) ? 'sent' : 'MISSING'})`);
console.log(`\nrequests (${requests.length}):`);
for (const [key, { count, statuses }] of [...seen].sort()) console.log(`  ${key}  ${[...statuses].join(',')}${count > 1 ? `  x${count}` : ''}`);
console.log(`\nconsole errors (${consoleErrors.length}):`);
for (const text of consoleErrors) console.log(`  ${text.split('\n')[0]}`);
if (failures.length) console.log(`\nfailed requests:\n  ${failures.join('\n  ')}`);
if (process.env.SMOKE_PLUGINS) console.log(`\nplugins:\n  ${summary.plugins.map((id) => `${summary.activated.includes(id) ? '+' : '-'} ${id}`).join('\n  ')}`);
console.log(`\nscreenshot: ${screenshotPath}`);

const saved = saves.length === 1 && saves[0].xsrfHeader === xsrf && saves[0].body.type === 'notebook' && saves[0].body.content.cells.length === 2;
const ok = summary.darkTheme && summary.fileBrowser && summary.listed === 1 && summary.output === '2' && saved && notFound.length === 0 && consoleErrors.length === 0 && failures.length === 0;
console.log(ok ? 'smoke: ok' : 'smoke: FAILED');
process.exitCode = ok ? 0 : 1;
