import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, Notification, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator } from '@jupyterlab/translation';
import { ToolbarButton } from '@jupyterlab/ui-components';
import type { Narrative, NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { narrativeIdOf } from '../data/narrative-path.js';
import { CommandIDs, INarrativeClient, INarrativeDrive, TRANSLATION_DOMAIN } from '../tokens.js';
import { NarrativesPanel } from './panel.js';
import { isReadOnly, showAsReader } from './reader.js';
import { ShareBody } from './share-dialog.js';

/** The Narratives panel; new, copy, share and refresh commands; and the reader's view of a narrative it may not change. */
export const narrativesPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:narratives',
  description: 'List, create, copy and share narratives; a read-only narrative offers a copy.',
  autoStart: true,
  requires: [INarrativeClient, ITranslator, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, INarrativeDrive],
  activate: (app: JupyterFrontEnd, client: NarrativeClient, translator: ITranslator, notebooks: INotebookTracker, palette: ICommandPalette | null, restorer: ILayoutRestorer | null, drive: { prefix: string } | null) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const { commands } = app;
    const open = (n: Narrative) => commands.execute('docmanager:open', { path: `${drive?.prefix ?? ''}${n.path}` });
    const panel = new NarrativesPanel(client, trans, {
      create: () => void commands.execute(CommandIDs.newNarrative),
      import: () => void commands.execute(CommandIDs.importArchive),
      open: (n) => void open(n),
      copy: (n) => void commands.execute(CommandIDs.copyNarrative, { id: n.id }),
      share: (n) => void commands.execute(CommandIDs.shareNarrative, { id: n.id }),
    });
    app.shell.add(panel, 'left', { rank: 140 });
    restorer?.add(panel, panel.id);

    const failed = (what: string, error: unknown) => Notification.error(trans.__('%1 failed: %2', what, describeError(error)), { autoClose: false });
    const currentId = () => narrativeIdOf(notebooks.currentWidget?.context.path);
    const idArg = (args: Record<string, unknown>) => (typeof args.id === 'number' ? args.id : currentId());

    commands.addCommand(CommandIDs.openNarrativesPanel, {
      label: trans.__('Open the Narratives Panel'),
      execute: () => app.shell.activateById(panel.id),
    });
    // Others that make a narrative (an import, say) refresh the list through this.
    commands.addCommand(CommandIDs.refreshNarratives, {
      label: trans.__('Refresh the Narratives Panel'),
      execute: () => panel.refresh(),
    });
    commands.addCommand(CommandIDs.newNarrative, {
      label: trans.__('New Narrative'),
      caption: trans.__('Start a new narrative with its own data'),
      execute: async () => {
        const answer = await InputDialog.getText({ title: trans.__('New narrative'), label: trans.__('Title'), placeholder: trans.__('e.g. Soil isolate assembly'), okLabel: trans.__('Create') });
        const title = answer.value?.trim();
        if (!answer.button.accept || !title) return;
        try {
          const created = await client.createNarrative(title);
          await panel.refresh();
          await open(created);
        } catch (error) {
          failed(trans.__('Creating the narrative'), error);
        }
      },
    });
    // A second press while a copy is made would make a second copy, data and all.
    const copying = new Set<number>();
    commands.addCommand(CommandIDs.copyNarrative, {
      label: trans.__('Copy Narrative'),
      caption: trans.__('Copy a narrative and its data into a new one you own'),
      isEnabled: (args) => idArg(args) !== null,
      execute: async (args) => {
        const id = idArg(args);
        if (id === null || copying.has(id)) return;
        copying.add(id);
        try {
          const copy = await client.copyNarrative(id);
          await panel.refresh();
          await open(copy);
          Notification.success(trans.__('Copied into "%1": it is yours to run and change.', copy.title), { autoClose: 5000 });
        } catch (error) {
          failed(trans.__('Copying the narrative'), error);
        } finally {
          copying.delete(id);
        }
      },
    });
    commands.addCommand(CommandIDs.shareNarrative, {
      label: trans.__('Share Narrative…'),
      caption: trans.__('Share the link, make it public, or give people access'),
      isEnabled: (args) => idArg(args) !== null,
      execute: async (args) => {
        const id = idArg(args);
        if (id === null) return;
        try {
          const narrative = await client.narrative(id);
          await showDialog({
            title: trans.__('Share "%1"', narrative.title),
            body: new ShareBody(client, narrative, trans),
            buttons: [Dialog.okButton({ label: trans.__('Done') })],
          });
          await panel.refresh();
        } catch (error) {
          failed(trans.__('Sharing'), error);
        }
      },
    });
    for (const command of [CommandIDs.openNarrativesPanel, CommandIDs.refreshNarratives, CommandIDs.newNarrative, CommandIDs.copyNarrative, CommandIDs.shareNarrative]) {
      palette?.addItem({ command, category: trans.__('Narrative') });
    }

    notebooks.widgetAdded.connect((_, notebook) => {
      void notebook.context.ready.then(() => {
        if (isReadOnly(notebook)) showAsReader(notebook, trans, (id) => void commands.execute(CommandIDs.copyNarrative, { id }));
        else void addShareButton(notebook);
      });
    });

    // Only who may share sees the button: writers edit, admins share.
    const addShareButton = async (notebook: NotebookPanel) => {
      const id = narrativeIdOf(notebook.context.path);
      if (id === null || (await client.narrative(id).then((n) => n.level, () => 'none')) !== 'admin' || notebook.isDisposed) return;
      notebook.toolbar.insertItem(0, 'narrative-share', new ToolbarButton({
        label: trans.__('Share'),
        tooltip: trans.__('Share the link, make it public, or give people access'),
        className: 'jp-narrative-ToolbarShare',
        onClick: () => void commands.execute(CommandIDs.shareNarrative, { id }),
      }));
    };
  },
};
