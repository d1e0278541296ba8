import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ITranslator } from '@jupyterlab/translation';
import { narrativeIdOf } from '../data/narrative-path.js';
import { CommandIDs, TRANSLATION_DOMAIN } from '../tokens.js';
import { acceptObjectDrops } from './drop.js';
import { usesClient } from './snippet.js';

/**
 * Code cells and the narrative's data: a Data panel object dropped on a code cell
 * becomes the line that loads it with the `narrative` client, and once a narrative's
 * cell that uses the client has run, the Data panel lists what it may have saved.
 */
export const codeCellDropPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:code-cell-drop',
  description: 'Drop an object from the Data panel onto a code cell to insert the line that loads it (narrative.get with its exact reference); the Data panel refreshes after a cell that uses the client.',
  autoStart: true,
  requires: [INotebookTracker, ITranslator],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, translator: ITranslator) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    tracker.widgetAdded.connect((_, panel) => acceptObjectDrops(panel, trans));
    NotebookActions.executed.connect((_, { notebook, cell }) => {
      const panel = tracker.find((p) => p.content === notebook);
      if (!panel || cell.model.type !== 'code' || !usesClient(cell.model.sharedModel.getSource())) return;
      if (narrativeIdOf(panel.context.path) === null) return;
      void app.commands.execute(CommandIDs.refreshData).catch(() => undefined);
    });
  },
};
