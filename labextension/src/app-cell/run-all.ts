import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification, type ICommandPalette } from '@jupyterlab/apputils';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { NarrativeClient, NarrativeRun } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { narrativeIdOf } from '../data/narrative-path.js';
import { CommandIDs } from '../tokens.js';
import type { AppCellModel } from './model.js';

const POLL_MS = 1000;

/** An app cell's key among the open notebooks: its panel and its cell id. */
export function appCellKey(panel: { id: string }, cellId: string): string {
  return `${panel.id}/${cellId}`;
}

/**
 * "Run all app cells": saves the narrative, has the server run every app
 * cell as one graph, hands each cell its new job (the cell then shows its
 * own progress), and keeps one notification with the progress of the whole.
 */
export function addRunAllCommand(app: JupyterFrontEnd, tracker: INotebookTracker, client: NarrativeClient, trans: TranslationBundle, models: Map<string, AppCellModel>, palette: ICommandPalette | null): void {
  app.commands.addCommand(CommandIDs.runAllAppCells, {
    label: (args) => (args.verify ? trans.__('Run All App Cells and Verify') : trans.__('Run All App Cells')),
    caption: trans.__('Run every app cell of this narrative in order as one job graph; a cell that takes another cell\'s output waits for it'),
    isEnabled: () => tracker.currentWidget !== null && narrativeIdOf(tracker.currentWidget.context.path) !== null && tracker.currentWidget.context.contentsModel?.writable !== false,
    execute: async (args) => {
      const panel = tracker.currentWidget;
      const id = panel && narrativeIdOf(panel.context.path);
      if (!panel || id === null) return;
      const progress = Notification.emit(trans.__('Saving and starting every app cell…'), 'in-progress', { autoClose: false });
      try {
        // The server runs the saved notebook: what is on screen is saved first.
        await panel.context.save();
        const run = await client.runAll(id, { verify: Boolean(args.verify) });
        for (const step of run.steps) if (step.cell) models.get(appCellKey(panel, step.cell))?.adopt(step.job);
        // The cells now name their new jobs (and, once done, the new outputs they took): kept, as the run itself is.
        await panel.context.save();
        await follow(client, run, progress, trans);
        if (!panel.isDisposed && panel.context.model.dirty) await panel.context.save();
      } catch (error) {
        Notification.update({ id: progress, message: trans.__('The app cells could not be run: %1', describeError(error)), type: 'error', autoClose: 8000 });
      }
    },
    describedBy: { args: { type: 'object', properties: { verify: { type: 'boolean', description: "compare each cell's outputs with its last run" } } } },
  });
  palette?.addItem({ command: CommandIDs.runAllAppCells, category: trans.__('Narrative') });
  palette?.addItem({ command: CommandIDs.runAllAppCells, args: { verify: true }, category: trans.__('Narrative') });
}

async function follow(client: NarrativeClient, first: NarrativeRun, id: string, trans: TranslationBundle): Promise<void> {
  let run = first;
  for (;;) {
    const { total, ended, completed } = run.progress;
    if (run.state !== 'running') {
      const message = run.state === 'completed' ? trans.__('All %1 app cells completed.', total) : trans.__('Run all ended: %1 of %2 app cells completed; the cells say why the others did not.', completed, total);
      Notification.update({ id, message, type: run.state === 'completed' ? 'success' : 'warning', autoClose: 8000 });
      return;
    }
    Notification.update({ id, message: trans.__('Running all app cells: %1 of %2 ended', ended, total), type: 'in-progress', progress: total === 0 ? 1 : ended / total, autoClose: false });
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    run = await client.narrativeRun(run.narrative, run.id);
  }
}
