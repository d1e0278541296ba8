import type { Caller } from '../domain/permissions.js';
import { escapeHtml } from '../http/html.js';
import type { LabAssets } from './lab-assets.js';

/**
 * The JupyterLab page: the page config the app reads at start (where its
 * settings, themes, workspaces and translations live; no token, since the
 * session cookie and its XSRF twin authenticate) and the bundle's scripts.
 */
export function labPage(assets: LabAssets, caller: Caller, treePath: string): string {
  const config = {
    appName: 'Narrative', appVersion: assets.appVersion, appNamespace: 'narrative',
    baseUrl: '/', wsUrl: '', appUrl: '/lab', token: '', treePath,
    settingsUrl: '/lab/api/settings', fullSettingsUrl: '/lab/api/settings',
    themesUrl: '/lab/api/themes', fullThemesUrl: '/lab/api/themes',
    workspacesApiUrl: '/lab/api/workspaces', fullWorkspacesApiUrl: '/lab/api/workspaces',
    translationsApiUrl: '/lab/api/translations', fullTranslationsApiUrl: '/lab/api/translations',
    treeUrl: '/lab/tree', fullTreeUrl: '/lab/tree', staticUrl: '/lab/static', fullStaticUrl: '/lab/static',
    fullAppUrl: '/lab', workspace: 'default', defaultWorkspace: 'default', mode: 'multiple-document',
    cacheFiles: false, devMode: false, buildAvailable: false, buildCheck: false, notebookStartsKernel: true,
    disabledExtensions: [], federated_extensions: [], exposeAppInBrowser: true,
    narrativeUser: caller.name,
  };
  // `</` inside the JSON would end the script element early.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const scripts = assets.entries.map((e) => `<script src="/lab/static/${escapeHtml(e)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Narrative</title>
<link rel="icon" href="data:,">
<script id="jupyter-config-data" type="application/json">${json}</script>
</head>
<body>
${scripts}
</body>
</html>
`;
}
