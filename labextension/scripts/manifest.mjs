// Writes what the server needs to serve dist/lab: build.json (entry, plugins
// with settings, themes, page config) and index.html.template.
import fs from 'node:fs';
import path from 'node:path';
import { excludedPlugins } from '../lib/app/excluded.js';

/**
 * The page config the lab reads (`<script id="jupyter-config-data">`), as the
 * server should render it for a server at the site root. Every URL is joined
 * to the page's origin; `*Url` keys without a leading slash are relative to
 * `baseUrl`. Values are strings (PageConfig turns other JSON into strings).
 */
export const pageConfig = {
  appName: { value: 'Narrative', why: 'window title and the About text' },
  appNamespace: { value: 'narrative', why: 'prefix of the state database keys kept in the workspace' },
  appVersion: { value: '<server version>', why: 'shown to the user; any string' },
  baseUrl: { value: '/', why: 'every REST and websocket URL is joined to it (Drive: <baseUrl>api/v1/contents; kernels: <baseUrl>api/kernels)' },
  wsUrl: { value: '', why: 'websocket base; empty means derived from baseUrl (ws[s]://host/)' },
  appUrl: { value: '/lab', why: 'settings, workspaces and translations live at <baseUrl><appUrl>/api/...; the router strips it from the location' },
  fullStaticUrl: { value: '/lab/static', why: 'where the bundle and its chunks load from (the webpack public path)' },
  themesUrl: { value: 'lab/themes', why: 'theme CSS at <baseUrl><themesUrl>/<package>/index.css' },
  translationsApiUrl: { value: 'lab/api/translations', why: 'language packs: <baseUrl><translationsApiUrl>/ and /<locale>' },
  settingsUrl: { value: '/lab/api/settings', why: 'informational; the settings client derives its URL from baseUrl + appUrl' },
  workspace: { value: 'default', why: 'the workspace (saved layout) loaded at start: <appUrl>/api/workspaces/<workspace>' },
  treePath: { value: '', why: 'a document to open at start, e.g. "Title (12).ipynb" for a share link; /lab/tree/<path> URLs set it too' },
  treeUrl: { value: 'lab/tree', why: 'the URL prefix the lab writes into the location bar for open documents' },
  mode: { value: 'multiple-document', why: 'or "single-document"' },
  token: { value: '', why: 'leave empty: requests then carry the session cookie and the X-XSRFToken header from the _xsrf cookie' },
  notebookStartsKernel: { value: 'true', why: 'open notebooks start their kernel' },
  terminalsAvailable: { value: 'false', why: 'no terminals: the lab then never calls /api/terminals' },
  buildAvailable: { value: 'false', why: 'no server-side rebuild API' },
  buildCheck: { value: 'false', why: 'no server-side rebuild API' },
  exposeAppInBrowser: { value: 'false', why: '"true" sets window.jupyterapp (browser tests)' },
  disabledExtensions: { value: '[]', why: 'JSON list of plugin ids or package names the server wants off' },
};

const template = (entryUrl) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{appName}}</title>
  <link rel="icon" href="data:,">
</head>
<body>
  <script id="jupyter-config-data" type="application/json">{{pageConfigJson}}</script>
  <script src="{{fullStaticUrl}}/${entryUrl}"></script>
</body>
</html>
`;

function filesUnder(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Plugin ids with a settings schema, from schemas/<package>/<plugin>.json. */
function settingsPlugins(outputDir) {
  return filesUnder(path.join(outputDir, 'schemas'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.relative(path.join(outputDir, 'schemas'), file).replace(/\.json$/, ''))
    .map((rel) => `${path.dirname(rel)}:${path.basename(rel)}`)
    .sort();
}

export function writeManifest({ outputDir, entry, packages, themes, jupyterlabVersion }) {
  const files = filesUnder(outputDir);
  const entryUrl = `${entry.file}?v=${entry.sha256.slice(0, 16)}`;
  const manifest = {
    jupyterlabVersion,
    entry: { ...entry, url: entryUrl },
    template: {
      file: 'index.html.template',
      placeholders: {
        '{{appName}}': 'the page config appName, HTML-escaped',
        '{{pageConfigJson}}': 'JSON.stringify(pageConfig) with every "<" written as "\\u003c" so it cannot close the script element',
        '{{fullStaticUrl}}': 'the page config fullStaticUrl',
      },
    },
    pageConfig: Object.fromEntries(Object.entries(pageConfig).map(([key, { value }]) => [key, value])),
    pageConfigNotes: Object.fromEntries(Object.entries(pageConfig).map(([key, { why }]) => [key, why])),
    settingsPlugins: settingsPlugins(outputDir),
    excludedPlugins: excludedPlugins.map(({ pattern, reason }) => ({ pattern: pattern.source, reason })),
    themes,
    packages,
    size: { files: files.length, bytes: files.reduce((sum, file) => sum + fs.statSync(file).size, 0) },
  };
  fs.writeFileSync(path.join(outputDir, 'index.html.template'), template(entryUrl));
  fs.writeFileSync(path.join(outputDir, 'build.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
