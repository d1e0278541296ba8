import { PageConfig } from '@jupyterlab/coreutils';
import applicationExtension from '@jupyterlab/application-extension';
import apputilsExtension from '@jupyterlab/apputils-extension';
import codemirrorExtension from '@jupyterlab/codemirror-extension';
import completerExtension from '@jupyterlab/completer-extension';
import docmanagerExtension from '@jupyterlab/docmanager-extension';
import documentsearchExtension from '@jupyterlab/documentsearch-extension';
import filebrowserExtension from '@jupyterlab/filebrowser-extension';
import launcherExtension from '@jupyterlab/launcher-extension';
import mainmenuExtension from '@jupyterlab/mainmenu-extension';
import markedparserExtension from '@jupyterlab/markedparser-extension';
import notebookExtension from '@jupyterlab/notebook-extension';
import rendermimeExtension from '@jupyterlab/rendermime-extension';
import servicesExtension from '@jupyterlab/services-extension';
import shortcutsExtension from '@jupyterlab/shortcuts-extension';
import statusbarExtension from '@jupyterlab/statusbar-extension';
import themeDarkExtension from '@jupyterlab/theme-dark-extension';
import themeLightExtension from '@jupyterlab/theme-light-extension';
import tooltipExtension from '@jupyterlab/tooltip-extension';
import translationExtension from '@jupyterlab/translation-extension';
import uiComponentsExtension from '@jupyterlab/ui-components-extension';
import type { IPlugin } from '@lumino/coreutils';
import narrativeExtension from '../src/index.js';
import { isExcluded } from './excluded.js';

// Front-end plugins are activated with the app, service-manager plugins with null.
type Plugin = IPlugin<any, unknown>;
type Extension = Plugin | Plugin[];

/**
 * The extension packages of this lab. Each is also a dependency in
 * package.json, where scripts/build-app.mjs finds it to copy its styles,
 * schemas and themes.
 */
const extensions: Extension[] = [
  applicationExtension,
  apputilsExtension,
  codemirrorExtension,
  completerExtension,
  docmanagerExtension,
  documentsearchExtension,
  filebrowserExtension,
  launcherExtension,
  mainmenuExtension,
  markedparserExtension,
  notebookExtension,
  rendermimeExtension,
  servicesExtension,
  shortcutsExtension,
  statusbarExtension,
  themeDarkExtension,
  themeLightExtension,
  tooltipExtension,
  translationExtension,
  uiComponentsExtension,
  narrativeExtension,
];

/** The plugins to register: every extension's, less the excluded and those the page config's `disabledExtensions` names. */
export function activePlugins(): Plugin[] {
  return extensions
    .flat()
    .filter(({ id }) => !isExcluded(id) && !PageConfig.Extension.isDisabled(id));
}
