import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator } from '@jupyterlab/translation';
import type { NarrativeClient } from '@narrative/server/client';
import { provenanceIcon } from '../icons.js';
import { CommandIDs, INarrativeClient, TRANSLATION_DOMAIN } from '../tokens.js';
import { ProvenanceView } from './view.js';

/** The provenance view: one main-area tab per object version, opened by `narrative:open-provenance {ref}`. */
export const provenancePlugin: JupyterFrontEndPlugin<void> = {
  id: '@narrative/labextension:provenance',
  description: "An object's lineage as a graph, with who made each version, how, and from what.",
  autoStart: true,
  requires: [INarrativeClient, ITranslator],
  activate: (app: JupyterFrontEnd, client: NarrativeClient, translator: ITranslator) => {
    const trans = translator.load(TRANSLATION_DOMAIN);
    const open = new Map<string, MainAreaWidget<ProvenanceView>>();
    app.commands.addCommand(CommandIDs.openProvenance, {
      label: (args) => (args.ref ? trans.__('Provenance of %1', String(args.ref)) : trans.__('Show Provenance')),
      caption: trans.__("Show an object's lineage as a graph"),
      icon: provenanceIcon,
      isEnabled: (args) => typeof args.ref === 'string' && /^\d+\/\d+\/\d+$/.test(args.ref),
      execute: (args) => {
        const ref = String(args.ref);
        let widget = open.get(ref);
        if (!widget || widget.isDisposed) {
          widget = new MainAreaWidget({ content: new ProvenanceView(client, ref, trans) });
          widget.id = `narrative-provenance-${ref.replace(/\//g, '-')}`;
          widget.title.label = trans.__('Provenance %1', ref);
          widget.title.icon = provenanceIcon;
          widget.title.closable = true;
          open.set(ref, widget);
          widget.disposed.connect(() => open.delete(ref));
          app.shell.add(widget, 'main');
        }
        app.shell.activateById(widget.id);
      },
      describedBy: { args: { type: 'object', properties: { ref: { type: 'string', description: 'an object version, wsid/objid/ver' } }, required: ['ref'] } },
    });
  },
};
