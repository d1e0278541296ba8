import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator } from '@jupyterlab/translation';
import { TRANSLATION_DOMAIN } from '../tokens.js';
import { acceptObjectDrops } from './drop.js';

/** Code cells and the narrative's data: a Data panel object dropped on a code cell becomes the line that loads it with the `narrative` client. */
export const codeCellDropPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:code-cell-drop',
  description: 'Drop an object from the Data panel onto a code cell to insert the line that loads it (narrative.get with its exact reference).',
  autoStart: true,
  requires: [INotebookTracker, ITranslator],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker, translator: ITranslator) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    tracker.widgetAdded.connect((_, panel) => acceptObjectDrops(panel, trans));
  },
};
