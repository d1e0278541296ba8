import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { Drive, IServerSettings, ServerConnection, type Contents } from '@jupyterlab/services';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { notebookIcon, refreshIcon, ToolbarButton } from '@jupyterlab/ui-components';
import { notebookContentFactoryPlugin } from './app-cell/content-factory.js';
import { CONTENTS_ENDPOINT, drivePlugin } from './drive/plugin.js';
import plugins from './index.js';
import { INarrativeDrive, TRANSLATION_DOMAIN } from './tokens.js';

/**
 * The entry point of the prebuilt (federated) extension, for a stock
 * JupyterLab 4 served by jupyter_server (scripts/build-prebuilt.mjs exposes
 * this module as `./extension`; `./index`, the shared module, stays
 * index.js).
 *
 * In our own app narratives are the default drive (drive/plugin.ts). In a
 * stock lab the default drive is the Jupyter server's file system and must
 * stay so: a federated plugin registers after the core ones, so providing
 * `IDefaultDrive` would silently replace it. Here narratives are a named
 * drive instead, with their own file browser in the left sidebar; paths on
 * it read `Narratives:<title> (<id>).ipynb`.
 */

/** The name of the narratives drive in a stock lab: the prefix of its paths. */
export const NARRATIVES_DRIVE = 'Narratives';

/** The plugins of index.ts that only make sense in our own app. */
const APP_ONLY = new Set<string>([drivePlugin.id, notebookContentFactoryPlugin.id]);

export const narrativesDrivePlugin: JupyterFrontEndPlugin<Contents.IDrive> = {
  id: '@narrative/labextension:narratives-drive',
  description: 'Narratives as the named drive "Narratives:" beside the Jupyter server\'s files, with a file browser in the left sidebar.',
  autoStart: true,
  requires: [IFileBrowserFactory],
  optional: [IServerSettings, ITranslator, ILayoutRestorer],
  activate: (app: JupyterFrontEnd, factory: IFileBrowserFactory, serverSettings: ServerConnection.ISettings | null, translator: ITranslator | null, restorer: ILayoutRestorer | null): Contents.IDrive => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const drive = new Drive({
      name: NARRATIVES_DRIVE,
      apiEndpoint: CONTENTS_ENDPOINT,
      // The narrative server signs the browser in by its session cookie (and
      // the `_xsrf` header). The Jupyter server's token is not sent to it:
      // it would be read as a (wrong) narrative API token, and it is a secret
      // of the Jupyter server.
      serverSettings: { ...(serverSettings ?? ServerConnection.makeSettings()), token: '' },
    });
    app.serviceManager.contents.addDrive(drive);

    const browser = factory.createFileBrowser('narrative-narratives-browser', { driveName: drive.name, allowFileUploads: false });
    browser.title.icon = notebookIcon;
    browser.title.caption = trans.__('Narratives');
    browser.node.setAttribute('aria-label', trans.__('Narratives'));
    browser.toolbar.addItem('new-narrative', new ToolbarButton({
      icon: notebookIcon,
      tooltip: trans.__('New Narrative'),
      // The core command creates `Untitled (<id>).ipynb` on the narrative
      // server (POST api/v1/contents) and opens it with a kernel of this lab.
      onClick: () => void app.commands.execute('notebook:create-new', { cwd: browser.model.path }),
    }));
    browser.toolbar.addItem('refresh', new ToolbarButton({
      icon: refreshIcon,
      tooltip: trans.__('Refresh the List of Narratives'),
      onClick: () => void browser.model.refresh(),
    }));
    app.shell.add(browser, 'left', { rank: 101 });
    restorer?.add(browser, browser.id);
    return drive;
  },
};

/** Tells the Narratives panel that narratives open from the named drive. */
export const narrativesDrivePrefixPlugin: JupyterFrontEndPlugin<{ readonly prefix: string }> = {
  id: '@narrative/labextension:narratives-drive-prefix',
  description: 'The path prefix of the narratives drive in a stock lab.',
  autoStart: true,
  provides: INarrativeDrive,
  activate: () => ({ prefix: `${NARRATIVES_DRIVE}:` }),
};

/** Every plugin of the extension that belongs in a stock lab, and the narratives drive. */
const prebuiltPlugins: JupyterFrontEndPlugin<unknown>[] = [...plugins.filter((p) => !APP_ONLY.has(p.id)), narrativesDrivePlugin, narrativesDrivePrefixPlugin];

export default prebuiltPlugins;
