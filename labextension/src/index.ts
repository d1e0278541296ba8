import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { drivePlugin } from './drive/plugin.js';

export { CONTENTS_ENDPOINT } from './drive/plugin.js';

/** Every plugin of the narrative extension, in the shape JupyterLab loads. */
const plugins: JupyterFrontEndPlugin<unknown>[] = [drivePlugin];

export default plugins;
