import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, type TranslationBundle } from '@jupyterlab/translation';
import type { NarrativeClient, ObjectInfo } from '@narrative/server/client';
import { dataIcon } from '../icons.js';
import { CommandIDs, INarrativeClient, TRANSLATION_DOMAIN } from '../tokens.js';
import { DataPanel } from './panel.js';
import { type ITypeInfo, type IUploadRequest, UploadForm } from './upload.js';
import { ObjectViewer } from './viewer.js';

/** The Data panel in the left sidebar, following the active notebook; its commands; object viewers in the main area. */
export const dataPanelPlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:data-panel',
  description: "The data of the active narrative, of narratives shared with me and public ones, and all my data; upload; history, revert, copy, download and remove from view; drag objects into app cells.",
  autoStart: true,
  requires: [INarrativeClient, ITranslator, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (app: JupyterFrontEnd, client: NarrativeClient, translator: ITranslator, notebooks: INotebookTracker, palette: ICommandPalette | null, restorer: ILayoutRestorer | null) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const panel = new DataPanel(client, trans, (types) => Private.askUpload(types, trans));
    app.shell.add(panel, 'left', { rank: 160 });
    restorer?.add(panel, panel.id);

    const follow = (notebook: NotebookPanel | null) => panel.setPath(notebook?.context.path ?? null);
    notebooks.currentChanged.connect((_, notebook) => follow(notebook));
    notebooks.widgetAdded.connect((_, notebook) => notebook.context.pathChanged.connect(() => notebooks.currentWidget === notebook && follow(notebook)));
    follow(notebooks.currentWidget);

    const viewers = new Map<string, MainAreaWidget<ObjectViewer>>();
    panel.objectOpened.connect((_, object) => Private.openViewer(app, client, trans, viewers, object));

    app.commands.addCommand(CommandIDs.openObject, {
      label: (args) => (args.ref ? trans.__('Open %1', String(args.ref)) : trans.__('Open an Object')),
      caption: trans.__("Show an object's data and files"),
      isEnabled: (args) => typeof args.ref === 'string' && /^\d+\/\d+\/\d+$/.test(args.ref),
      execute: async (args) => Private.openViewer(app, client, trans, viewers, await client.getObject(String(args.ref))),
      describedBy: { args: { type: 'object', properties: { ref: { type: 'string', description: 'an object version, wsid/objid/ver' } }, required: ['ref'] } },
    });

    app.commands.addCommand(CommandIDs.openDataPanel, {
      label: trans.__('Open the Data Panel'),
      caption: trans.__('Show the data of your narratives in the left sidebar'),
      execute: () => app.shell.activateById(panel.id),
    });
    app.commands.addCommand(Private.openMyData, {
      label: trans.__('Show My Data'),
      caption: trans.__('List the data of all your narratives in the Data panel'),
      execute: () => {
        panel.showView('mine');
        app.shell.activateById(panel.id);
      },
    });
    app.commands.addCommand(CommandIDs.refreshData, {
      label: trans.__('Refresh the Data Panel'),
      caption: trans.__('List the data of your narratives again'),
      execute: () => panel.refresh(),
    });
    for (const command of [CommandIDs.openDataPanel, Private.openMyData, CommandIDs.refreshData]) palette?.addItem({ command, category: trans.__('Narrative') });
  },
};

namespace Private {
  /** The Data panel on its "My data" view (a command of this plugin only, so its id lives here). */
  export const openMyData = 'narrative:open-my-data';

  /** The Upload dialog: a file, its type and a name; null when cancelled or without a file. */
  export async function askUpload(types: ITypeInfo[], trans: TranslationBundle): Promise<IUploadRequest | null> {
    const result = await showDialog({
      title: trans.__('Upload data into this narrative'),
      body: new UploadForm(types, trans),
      buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.okButton({ label: trans.__('Upload') })],
    });
    return result.button.accept ? result.value : null;
  }

  /** Shows one object version in the main area, reusing its tab when it is already open. */
  export function openViewer(app: JupyterFrontEnd, client: NarrativeClient, trans: TranslationBundle, viewers: Map<string, MainAreaWidget<ObjectViewer>>, object: ObjectInfo): void {
    let widget = viewers.get(object.ref);
    if (!widget || widget.isDisposed) {
      const showProvenance = (ref: string) => void app.commands.execute(CommandIDs.openProvenance, { ref });
      widget = new MainAreaWidget({ content: new ObjectViewer(client, object.ref, trans, showProvenance) });
      widget.id = `narrative-object-${object.ref.replace(/\//g, '-')}`;
      widget.title.label = trans.__('%1 (v%2)', object.name, object.ver);
      widget.title.caption = object.ref;
      widget.title.icon = dataIcon;
      widget.title.closable = true;
      viewers.set(object.ref, widget);
      widget.disposed.connect(() => viewers.delete(object.ref));
      app.shell.add(widget, 'main');
    }
    app.shell.activateById(widget.id);
  }
}
