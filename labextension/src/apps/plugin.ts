import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator } from '@jupyterlab/translation';
import type { NarrativeClient } from '@narrative/server/client';
import { CommandIDs, INarrativeClient, TRANSLATION_DOMAIN } from '../tokens.js';
import { BundledAppsModel } from './bundled.js';
import { AppsPanel } from './panel.js';

/** The Apps panel in the left sidebar and the command that opens it. */
export const appsPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:apps-panel',
  description: 'The app catalog by category, with search and a channel filter; apps drag into app cells. On a first start, the bundled apps as they build.',
  autoStart: true,
  requires: [INarrativeClient, ITranslator],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (app: JupyterFrontEnd, client: NarrativeClient, translator: ITranslator, palette: ICommandPalette | null, restorer: ILayoutRestorer | null) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const bundled = new BundledAppsModel(client);
    const panel = new AppsPanel(client, trans, (payload) => {
      if (app.commands.hasCommand(CommandIDs.insertAppCell)) void app.commands.execute(CommandIDs.insertAppCell, { ...payload });
    }, bundled);
    bundled.start();
    app.shell.add(panel, 'left', { rank: 150 });
    restorer?.add(panel, panel.id);
    app.commands.addCommand(CommandIDs.openAppsPanel, {
      label: trans.__('Open the Apps Panel'),
      caption: trans.__('Show the app catalog in the left sidebar'),
      execute: () => app.shell.activateById(panel.id),
    });
    palette?.addItem({ command: CommandIDs.openAppsPanel, category: trans.__('Narrative') });
  },
};
