import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { notebookContentFactoryPlugin } from './app-cell/content-factory.js';
import { appCellPlugin } from './app-cell/plugin.js';
import { appsPanelPlugin } from './apps/plugin.js';
import { clientPlugin } from './client/plugin.js';
import { codeCellDropPlugin } from './code-cell/plugin.js';
import { dataPanelPlugin } from './data/plugin.js';
import { drivePlugin } from './drive/plugin.js';
import { exportPlugin } from './export/plugin.js';
import { jobsPanelPlugin } from './jobs/plugin.js';
import { narrativesPlugin } from './narratives/plugin.js';
import { provenancePlugin } from './provenance/plugin.js';

export { CONTENTS_ENDPOINT } from './drive/plugin.js';
export * from './tokens.js';

/** Every plugin of the narrative extension, in the shape JupyterLab loads. */
const plugins: JupyterFrontEndPlugin<unknown>[] = [drivePlugin, clientPlugin, appsPanelPlugin, dataPanelPlugin, appCellPlugin, notebookContentFactoryPlugin, narrativesPlugin, provenancePlugin, exportPlugin, jobsPanelPlugin, codeCellDropPlugin];

export default plugins;
