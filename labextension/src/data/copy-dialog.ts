import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ApiError, type Narrative, type NarrativeClient, type ObjectInfo } from '@narrative/server/client';
import { Widget } from '@lumino/widgets';
import { nameApart } from './copy-name.js';

/**
 * Asks which of my narratives to copy an object into: those I may change,
 * other than its own. Null when cancelled; an empty list says there is none.
 */
export async function pickNarrative(client: NarrativeClient, trans: TranslationBundle, object: ObjectInfo): Promise<Narrative | null | 'none'> {
  const targets = (await client.listNarratives()).filter((n) => (n.level === 'write' || n.level === 'admin') && !n.published && n.wsid !== object.wsid);
  if (targets.length === 0) return 'none';
  const picker = new NarrativePicker(targets, trans);
  const result = await showDialog({
    title: trans.__('Copy %1 to a narrative', object.name),
    body: picker,
    buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.okButton({ label: trans.__('Copy') })],
  });
  return result.button.accept ? result.value : null;
}

/** The dialog's body: a list of narratives, and a line on what a copy is. */
class NarrativePicker extends Widget {
  private readonly select = document.createElement('select');

  constructor(private readonly narratives: Narrative[], trans: TranslationBundle) {
    super();
    this.addClass('jp-narrative-CopyForm');
    this.select.className = 'jp-narrative-CopyTarget';
    for (const n of narratives) this.select.append(new Option(trans.__('%1 (narrative %2)', n.title, n.id), String(n.id)));
    const label = document.createElement('label');
    label.append(trans.__('Narrative'), this.select);
    const note = document.createElement('p');
    note.className = 'jp-narrative-Meta';
    note.textContent = trans.__('The copy keeps its provenance and records where it was copied from.');
    this.node.append(label, note);
  }

  getValue(): Narrative | null {
    return this.narratives.find((n) => String(n.id) === this.select.value) ?? null;
  }
}

/**
 * The name a copy takes in the target narrative: the object's own, unless
 * an object there has it already (hidden ones too) — a copy under that name
 * would become that object's newest version, and cells naming it would read
 * other data. Then its origin is added, as a narrative copy names a clash.
 */
export function copyName(client: NarrativeClient, object: ObjectInfo, targetWsid: number): Promise<string> {
  return nameApart(object, (name) =>
    client.getObject(`${targetWsid}/${name}`).then(
      () => true,
      (error: unknown) => (error instanceof ApiError && error.status === 404 ? false : Promise.reject(error)),
    ),
  );
}
