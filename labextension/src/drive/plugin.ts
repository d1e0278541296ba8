import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Contents, Drive, IDefaultDrive, IServerSettings, ServerConnection } from '@jupyterlab/services';

/**
 * Where the narrative server speaks the Jupyter Contents wire format,
 * relative to the page's base URL (one flat directory of
 * `<title> (<id>).ipynb`, checkpoints are object versions).
 */
export const CONTENTS_ENDPOINT = 'api/v1/contents';

/**
 * Narratives as the lab's default drive.
 *
 * Replacing the default drive rather than adding a named one keeps paths
 * plain (`Title (12).ipynb`, not `narratives:Title (12).ipynb`), makes the
 * file browser open on the user's narratives, and leaves the Jupyter server
 * child's own file system (its `/api/contents`) out of the browser entirely.
 * Only one plugin may provide the token: the app leaves out the core
 * `@jupyterlab/services-extension:default-drive` (app/excluded.ts).
 */
export const drivePlugin: JupyterFrontEndPlugin<Contents.IDrive> = {
  id: '@narrative/labextension:drive',
  description: 'Opens and saves narratives through the narrative server as the default drive.',
  autoStart: true,
  provides: IDefaultDrive,
  optional: [IServerSettings],
  activate: (_app: JupyterFrontEnd, serverSettings: ServerConnection.ISettings | null): Contents.IDrive =>
    new Drive({
      apiEndpoint: CONTENTS_ENDPOINT,
      serverSettings: serverSettings ?? undefined,
    }),
};
