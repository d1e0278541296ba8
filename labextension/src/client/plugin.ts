import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { NarrativeClient } from '@narrative/server/client';
import { INarrativeClient } from '../tokens.js';
import { createClient } from './client.js';

/** Provides the REST client the panels share. */
export const clientPlugin: JupyterFrontEndPlugin<NarrativeClient> = {
  id: '@narrative/labextension:client',
  description: 'The narrative REST client of the signed-in user.',
  autoStart: true,
  provides: INarrativeClient,
  activate: () => createClient(),
};
