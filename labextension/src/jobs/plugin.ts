import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, Notification, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ITranslator, type TranslationBundle } from '@jupyterlab/translation';
import type { NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { INarrativeClient, INarrativeDrive, TRANSLATION_DOMAIN } from '../tokens.js';
import { JobsPanel } from './panel.js';
import { revealCell } from './reveal-cell.js';
import { JobsCommandIDs } from './tokens.js';

/** The Jobs panel in the right sidebar (beside whatever is open on the left), and its commands. */
export const jobsPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:jobs-panel',
  description: 'Every job of mine with its state in plain words, elapsed time and requested resources; cancel, or open the cell that ran it.',
  autoStart: true,
  requires: [INarrativeClient, ITranslator, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, INarrativeDrive],
  activate: (app: JupyterFrontEnd, client: NarrativeClient, translator: ITranslator, notebooks: INotebookTracker, palette: ICommandPalette | null, restorer: ILayoutRestorer | null, drive: { prefix: string } | null) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const { commands } = app;
    const panel = new JobsPanel(client, trans, {
      cancel: (job) => commands.execute(JobsCommandIDs.cancelJob, { id: job.id }) as Promise<void>,
      openCell: (job) => {
        if (job.narrative) void commands.execute(JobsCommandIDs.openJobCell, { narrative: job.narrative.id, cell: job.narrative.cell });
      },
    });
    app.shell.add(panel, 'right', { rank: 200 });
    restorer?.add(panel, panel.id);

    commands.addCommand(JobsCommandIDs.openJobsPanel, {
      label: trans.__('Open the Jobs Panel'),
      caption: trans.__('Show your jobs: why they wait, how long they have run, what they asked for'),
      execute: () => app.shell.activateById(panel.id),
    });
    commands.addCommand(JobsCommandIDs.refreshJobs, {
      label: trans.__('Refresh the Jobs Panel'),
      execute: () => panel.reload(),
    });
    commands.addCommand(JobsCommandIDs.cancelJob, {
      label: trans.__('Cancel Job…'),
      isEnabled: (args) => typeof args.id === 'number',
      execute: async (args) => {
        const id = Number(args.id);
        const answer = await showDialog({
          title: trans.__('Cancel job %1?', id),
          body: trans.__('Its app is stopped and the job ends cancelled; nothing it made is saved.'),
          buttons: [Dialog.cancelButton({ label: trans.__('Keep it') }), Dialog.warnButton({ label: trans.__('Cancel job') })],
        });
        if (!answer.button.accept) return;
        try {
          await client.cancelJob(id);
        } catch (error) {
          Notification.error(trans.__('Job %1 could not be cancelled: %2', id, describeError(error)), { autoClose: false });
        }
      },
      describedBy: { args: { type: 'object', properties: { id: { type: 'number', description: 'a job id' } }, required: ['id'] } },
    });
    commands.addCommand(JobsCommandIDs.openJobCell, {
      label: trans.__('Open the Cell of a Job'),
      isEnabled: (args) => typeof args.narrative === 'number',
      execute: (args) => Private.openCell(app, client, notebooks, drive?.prefix ?? '', trans, Number(args.narrative), typeof args.cell === 'string' ? args.cell : null),
      describedBy: {
        args: { type: 'object', properties: { narrative: { type: 'number', description: 'a narrative id' }, cell: { type: 'string', description: "the cell's nbformat id" } }, required: ['narrative'] },
      },
    });
    for (const command of [JobsCommandIDs.openJobsPanel, JobsCommandIDs.refreshJobs]) palette?.addItem({ command, category: trans.__('Narrative') });
  },
};

namespace Private {
  /** Opens the narrative (or brings its tab forward), then selects the cell and brings it into view. */
  export async function openCell(app: JupyterFrontEnd, client: NarrativeClient, notebooks: INotebookTracker, prefix: string, trans: TranslationBundle, id: number, cell: string | null): Promise<void> {
    try {
      const path = `${prefix}${(await client.narrative(id)).path}`;
      await app.commands.execute('docmanager:open', { path });
      const panel = notebooks.find((p) => p.context.path === path);
      if (!panel || cell === null) return;
      // A tab just opened has no size until it is shown: a scroll before that goes nowhere.
      await panel.context.ready;
      await panel.revealed;
      app.shell.activateById(panel.id);
      const notebook = panel.content;
      const index = notebook.widgets.findIndex((c) => c.model.id === cell);
      if (index < 0) {
        Notification.info(trans.__('The cell that ran this job is no longer in the narrative.'), { autoClose: 5000 });
        return;
      }
      await revealCell(notebook, notebook.widgets[index]!);
    } catch (error) {
      Notification.error(trans.__('The narrative could not be opened: %1', describeError(error)), { autoClose: 5000 });
    }
  }
}
