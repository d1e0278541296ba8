import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, type Notebook, type NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, type TranslationBundle } from '@jupyterlab/translation';
import type { Drag } from '@lumino/dragdrop';
import type { PanelLayout } from '@lumino/widgets';
import type { NarrativeClient } from '@narrative/server/client';
import { describeError } from '../client/client.js';
import { narrativeIdOf } from '../data/narrative-path.js';
import { APP_MIME, CommandIDs, INarrativeClient, TRANSLATION_DOMAIN, type IAppDragPayload } from '../tokens.js';
import { cachingImmutables } from './cached-client.js';
import { JobLookup } from './job-lookup.js';
import { jobStreams } from './job-stream.js';
import { appStateOf, writeAppState, type IAppCellMetadata } from './metadata.js';
import { AppCellModel } from './model.js';
import { addRunAllCommand, appCellKey } from './run-all.js';
import { AppCellWidget } from './widget.js';

type Cell = Notebook['widgets'][number];

/** The class of a cell that is an app cell (its editor is hidden; the widget is its body). */
const APP_CELL_CLASS = 'jp-narrative-AppCell';

/**
 * App cells: notebook code cells whose metadata has `narrative.app`. Their
 * source stays empty, so running them never reaches the kernel (JupyterLab
 * runs an empty code cell without a kernel request); the app cell widget,
 * added to the cell, is what runs the app as a job.
 */
export const appCellPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:app-cell',
  description: 'App cells: notebook cells that run an app version as a job, with inputs, parameters, state, log and outputs.',
  autoStart: true,
  requires: [INotebookTracker, INarrativeClient, ITranslator],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, labClient: NarrativeClient, translator: ITranslator, palette: ICommandPalette | null) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const client = cachingImmutables(labClient);
    const streams = jobStreams(client);
    const attached = new WeakSet<Cell>();
    /** Each app cell's model by its panel and cell id (a copy open beside it has the same cell ids), for jobs a run of the whole narrative starts for it. */
    const models = new Map<string, AppCellModel>();
    const wsids = new Map<number, Promise<number>>();
    const lookups = new WeakMap<NotebookPanel, JobLookup>();

    /** The panel's lookup, made when its first app cell restores: by then the notebook holds every cell, whose jobs it asks for at once. */
    const lookupOf = (panel: NotebookPanel): JobLookup => {
      let lookup = lookups.get(panel);
      if (!lookup) {
        lookup = new JobLookup(client, narrativeIdOf(panel.context.path));
        lookup.prefetch(jobIdsOf(panel.content));
        lookups.set(panel, lookup);
      }
      return lookup;
    };

    const wsidOf = (panel: NotebookPanel): Promise<number> => {
      const id = narrativeIdOf(panel.context.path);
      if (id === null) return Promise.reject(new Error(trans.__('This notebook is not a narrative.')));
      let wsid = wsids.get(id);
      if (!wsid) {
        wsid = client.narrative(id).then((n) => n.wsid);
        wsid.catch(() => wsids.delete(id));
        wsids.set(id, wsid);
      }
      return wsid;
    };

    const attach = (panel: NotebookPanel, cell: Cell) => {
      if (attached.has(cell) || cell.model.type !== 'code' || !appStateOf(cell.model)) return;
      attached.add(cell);
      void cell.ready.then(() => {
        if (cell.isDisposed) return;
        cell.addClass(APP_CELL_CLASS);
        if (panel.context.contentsModel?.writable !== false) startPastedCopyAfresh(panel.content, cell);
        const model = new AppCellModel({
          client,
          trans,
          streams,
          read: () => appStateOf(cell.model) as IAppCellMetadata,
          // A reader's lab must not mark the narrative changed: it could not be saved anyway.
          write: (state) => panel.context.contentsModel?.writable !== false && writeAppState(cell.model, state),
          cellId: () => cell.model.id,
          narrativeId: () => narrativeIdOf(panel.context.path),
          wsid: () => wsidOf(panel),
          completed: () => void app.commands.execute(CommandIDs.refreshData).catch(() => undefined),
          readOnly: () => panel.context.contentsModel?.writable === false,
          restoreJob: (id) => lookupOf(panel).restore(id),
          cellRuns: () => lookupOf(panel).runsOf(cell.model.id),
        });
        const open = (what: 'object' | 'provenance', ref: string) =>
          void app.commands.execute(what === 'object' ? CommandIDs.openObject : CommandIDs.openProvenance, { ref })
            .catch((error: unknown) => Notification.error(trans.__('%1 could not be opened: %2', ref, describeError(error)), { autoClose: 5000 }));
        const widget = new AppCellWidget({ model, trans, open });
        (cell.layout as PanelLayout).addWidget(widget);
        const key = appCellKey(panel, cell.model.id);
        models.set(key, model);
        cell.disposed.connect(() => {
          if (models.get(key) === model) models.delete(key);
          widget.dispose();
          model.dispose();
        });
        void model.restore();
      });
    };

    const attachAll = (panel: NotebookPanel) => {
      for (const cell of panel.content.widgets) attach(panel, cell);
    };

    tracker.widgetAdded.connect((_, panel) => {
      const notebook = panel.content;
      // Only the inserted cells: looking at every cell on every change is quadratic in a large notebook.
      // The notebook made their widgets already (its own handler was connected first); if not, all are looked at.
      const changed = (_: unknown, change: { type: string; newIndex: number; newValues: readonly unknown[] }) => {
        if (change.type !== 'add' && change.type !== 'set') return;
        const cells = notebook.widgets.slice(change.newIndex, change.newIndex + change.newValues.length);
        if (cells.length !== change.newValues.length || cells.some((c, i) => c.model !== change.newValues[i])) attachAll(panel);
        else for (const cell of cells) attach(panel, cell);
      };
      let watched: Notebook['model'] = null;
      const watch = () => {
        watched?.cells.changed.disconnect(changed);
        watched = notebook.model;
        attachAll(panel);
        watched?.cells.changed.connect(changed);
      };
      if (notebook.model) watch();
      notebook.modelChanged.connect(watch);
      void panel.context.ready.then(() => attachAll(panel));
      // Dropping an app from the Apps panel onto the notebook inserts an app cell.
      notebook.node.addEventListener('lm-dragover', (event) => {
        const drag = event as Drag.Event;
        if (!drag.mimeData.hasData(APP_MIME)) return;
        event.preventDefault();
        event.stopPropagation();
        drag.dropAction = 'copy';
      }, true);
      notebook.node.addEventListener('lm-dragenter', (event) => {
        if (!(event as Drag.Event).mimeData.hasData(APP_MIME)) return;
        event.preventDefault();
        event.stopPropagation();
      }, true);
      notebook.node.addEventListener('lm-drop', (event) => {
        const drag = event as Drag.Event;
        if (!drag.mimeData.hasData(APP_MIME)) return;
        event.preventDefault();
        event.stopPropagation();
        drag.dropAction = 'copy';
        insertAppCell(panel, drag.mimeData.getData(APP_MIME) as IAppDragPayload);
      }, true);
    });

    const insertAppCell = (panel: NotebookPanel, payload: IAppDragPayload) => {
      if (panel.context.contentsModel?.writable === false) {
        Notification.warning(trans.__('This narrative is read-only: copy it to add app cells.'), { autoClose: 5000 });
        return;
      }
      const notebook = panel.content;
      const model = notebook.model;
      if (!model) return;
      const index = notebook.activeCellIndex < 0 ? model.cells.length : notebook.activeCellIndex + 1;
      const state: IAppCellMetadata = { id: payload.id, version: payload.version, params: {}, inputs: {} };
      model.sharedModel.insertCell(index, { cell_type: 'code', source: '', metadata: { narrative: { app: { ...state } } } as Record<string, any> });
      notebook.activeCellIndex = index;
      attachAll(panel);
      void app.commands.execute('notebook:enter-command-mode').catch(() => undefined);
    };

    app.commands.addCommand(CommandIDs.insertAppCell, {
      label: (args) => (args.id ? trans.__('Insert an App Cell for %1', String(args.id)) : trans.__('Insert an App Cell')),
      caption: trans.__('Insert an app cell below the active cell'),
      isEnabled: () => tracker.currentWidget !== null,
      execute: async (args) => {
        const panel = tracker.currentWidget;
        if (!panel) {
          Notification.warning(trans.__('Open a narrative first: an app cell goes into the narrative you are working in.'), { autoClose: 5000 });
          return;
        }
        let id = typeof args.id === 'string' ? args.id : '';
        let version = typeof args.version === 'string' ? args.version : '';
        if (!id) {
          const picked = await pickApp(client, trans);
          if (!picked) return;
          ({ id, version } = picked);
        }
        if (!version) version = (await client.app(id)).version;
        insertAppCell(panel, { id, version });
      },
      describedBy: { args: { type: 'object', properties: { id: { type: 'string', description: 'module/name' }, version: { type: 'string' } } } },
    });
    palette?.addItem({ command: CommandIDs.insertAppCell, category: trans.__('Narrative') });
    addRunAllCommand(app, tracker, client, trans, models, palette);
  },
};

/**
 * A pasted copy of an app cell that ran keeps the job of the cell it was
 * copied from; both would then follow, and overwrite, one job. The cell that
 * ran it recorded its own id: the copy, with another id while the original is
 * still in the notebook, keeps the app, inputs and parameters and forgets the job.
 */
function startPastedCopyAfresh(notebook: Notebook, cell: Cell): void {
  const state = appStateOf(cell.model);
  if (state?.jobId === undefined || state.cellId === undefined || state.cellId === cell.model.id) return;
  const original = notebook.widgets.some((other) => other !== cell && other.model.id === state.cellId && appStateOf(other.model)?.jobId === state.jobId);
  if (!original) return;
  const { jobId: _job, state: _state, outputs: _outputs, cellId: _cell, ...fresh } = state;
  writeAppState(cell.model, fresh);
}

/** The jobs the notebook's app cells name, one entry per cell. */
function jobIdsOf(notebook: Notebook): number[] {
  const ids: number[] = [];
  for (const cell of notebook.model?.cells ?? []) {
    const jobId = cell.type === 'code' ? appStateOf(cell)?.jobId : undefined;
    if (typeof jobId === 'number' && Number.isSafeInteger(jobId) && jobId > 0) ids.push(jobId);
  }
  return ids;
}

/** Asks for an app of the catalog (latest versions) in a dialog. */
async function pickApp(client: NarrativeClient, trans: TranslationBundle): Promise<IAppDragPayload | null> {
  const { InputDialog } = await import('@jupyterlab/apputils');
  const apps = await client.listApps({ latest: true });
  if (apps.length === 0) return null;
  const labels = apps.map((a) => `${a.spec.name} — ${a.id}@${a.version}`);
  const result = await InputDialog.getItem({ title: trans.__('Insert an App Cell'), items: labels, okLabel: trans.__('Insert') });
  if (!result.button.accept || result.value === null) return null;
  const app = apps[labels.indexOf(result.value)];
  return app ? { id: app.id, version: app.version } : null;
}
