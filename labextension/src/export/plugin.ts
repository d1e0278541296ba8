import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator } from '@jupyterlab/translation';
import type { Narrative, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { narrativeIdOf } from '../data/narrative-path.js';
import { CommandIDs, INarrativeClient, INarrativeDrive, TRANSLATION_DOMAIN } from '../tokens.js';
import { formatChoices } from './choices.js';
import { ExportBody } from './export-dialog.js';
import { ImportBody } from './import-dialog.js';
import { PublishChoice } from './publish.js';
import { uploadArchive } from './upload.js';

/**
 * Export Narrative… (RO-Crate, W3C PROV, the offline archive), downloaded
 * with a progress bar, or published as a citable version; Import Narrative
 * Archive…, uploaded with a progress bar, then opened. Both in the palette
 * (category Narrative) and the File menu (schema/export.json); import also
 * in the Narratives panel (its header and context menu), whose list the
 * import refreshes through its refresh command.
 */
export const exportPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:export',
  description: 'Export a narrative as an RO-Crate, W3C PROV or an offline archive with a progress bar, or publish it under a content id; import an offline archive by upload.',
  autoStart: true,
  requires: [INarrativeClient, ITranslator, INotebookTracker],
  optional: [ICommandPalette, INarrativeDrive],
  activate: (app: JupyterFrontEnd, client: NarrativeClient, translator: ITranslator, notebooks: INotebookTracker, palette: ICommandPalette | null, drive: { prefix: string } | null) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const { commands } = app;
    const idArg = (args: Record<string, unknown>) => (typeof args.id === 'number' ? args.id : narrativeIdOf(notebooks.currentWidget?.context.path));

    commands.addCommand(CommandIDs.exportNarrative, {
      label: trans.__('Export Narrative…'),
      caption: trans.__('Download the narrative as an RO-Crate, W3C PROV, or an offline archive to run it again elsewhere, or publish a citable version'),
      isEnabled: (args) => idArg(args) !== null,
      execute: async (args) => {
        const id = idArg(args);
        if (id === null) return;
        let narrative: Narrative;
        try {
          narrative = await client.narrative(id);
        } catch (error) {
          Notification.error(trans.__('The narrative could not be exported: %1', describeError(error)), { autoClose: false });
          return;
        }
        const notebook = notebooks.find((panel) => narrativeIdOf(panel.context.path) === id)?.context ?? null;
        await new Dialog({
          title: trans.__('Export "%1"', narrative.title),
          body: new ExportBody([...formatChoices(client, id, trans), new PublishChoice(client, narrative, notebook, trans)], trans),
          buttons: [Dialog.cancelButton({ label: trans.__('Close') })],
          focusNodeSelector: 'input[type="radio"]:checked',
        }).launch();
      },
      describedBy: { args: { type: 'object', properties: { id: { type: 'number', description: 'a narrative id; the active narrative without it' } } } },
    });

    commands.addCommand(CommandIDs.importArchive, {
      label: trans.__('Import Narrative Archive…'),
      caption: trans.__('Upload an offline archive (.tar) as a new narrative of yours'),
      execute: async () => {
        const dialog: Dialog<unknown> = new Dialog({
          title: trans.__('Import a narrative archive'),
          body: new ImportBody(
            (archive, onProgress, signal) => uploadArchive(client, archive, onProgress, signal, trans),
            (narrative) => {
              dialog.resolve();
              Notification.success(trans.__('Imported "%1": it is yours, with its data.', narrative.title), { autoClose: 5000 });
              if (commands.hasCommand(CommandIDs.refreshNarratives)) void commands.execute(CommandIDs.refreshNarratives);
              void commands.execute('docmanager:open', { path: `${drive?.prefix ?? ''}${narrative.path}` });
            },
            trans,
          ),
          buttons: [Dialog.cancelButton({ label: trans.__('Close') })],
          focusNodeSelector: 'input[type="file"]',
        });
        await dialog.launch();
      },
    });

    for (const command of [CommandIDs.exportNarrative, CommandIDs.importArchive]) palette?.addItem({ command, category: trans.__('Narrative') });
  },
};
