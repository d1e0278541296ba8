import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { ToolbarButton } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';
import { narrativeIdOf } from '../data/narrative-path.js';
import { el } from '../dom.js';

/** The class of a notebook panel its user may only read. */
export const READER_CLASS = 'jp-narrative-mod-reader';

/** Whether the user may only read this notebook (the server says so in the Contents model). */
export function isReadOnly(panel: NotebookPanel): boolean {
  return panel.context.contentsModel?.writable === false;
}

/**
 * A narrative the user may only read: a banner saying so with a Copy button,
 * the same button in the toolbar, and every cell's editor read-only. App
 * cells lock themselves (see the app cell widget).
 */
export function showAsReader(panel: NotebookPanel, trans: TranslationBundle, copy: (id: number) => void): void {
  const id = narrativeIdOf(panel.context.path);
  if (id === null || panel.hasClass(READER_CLASS)) return;
  panel.addClass(READER_CLASS);

  const banner = new Widget({ node: el('div', 'jp-narrative-ReaderBanner') });
  const text = el('span', '', trans.__('You are reading this narrative. Copy it to run its cells or change it; the copy and its data are yours.'));
  const button = el('button', 'jp-Button jp-mod-styled jp-mod-accept jp-narrative-ReaderCopy', trans.__('Copy to my narratives'));
  button.addEventListener('click', () => copy(id));
  banner.node.append(text, button);
  panel.contentHeader.addWidget(banner);

  panel.toolbar.insertItem(0, 'narrative-copy', new ToolbarButton({
    label: trans.__('Copy'),
    tooltip: trans.__('Copy this narrative into your own, to run and change it'),
    className: 'jp-narrative-ToolbarCopy',
    onClick: () => copy(id),
  }));

  const lock = () => {
    for (const cell of panel.content.widgets) {
      // Kept out of the cell's `editable` metadata: a reader's change would mark the narrative unsaved.
      cell.syncEditable = false;
      cell.readOnly = true;
    }
  };
  lock();
  panel.content.model?.cells.changed.connect(lock);
}
