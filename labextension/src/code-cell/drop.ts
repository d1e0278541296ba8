import { Notification } from '@jupyterlab/apputils';
import type { Notebook, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Drag } from '@lumino/dragdrop';
import { narrativeIdOf } from '../data/narrative-path.js';
import { OBJECT_MIME, type IObjectDragPayload } from '../tokens.js';
import { importsNarrative, insertLines, loadLine } from './snippet.js';

type Cell = Notebook['widgets'][number];

/** What a drop over the editor looks like while an object is held above it (a JupyterLab colour, no stylesheet of its own). */
const TARGET_OUTLINE = '2px dashed var(--jp-brand-color1)';

/**
 * Lets a Data panel object be dropped onto a code cell: the line that loads it
 * (`reads = narrative.get("1/2/1")`, and `import narrative` when no cell has
 * it) goes in above the line under the mouse. App cells take objects on their
 * own inputs and are left to do so; read-only cells and other cell types take
 * nothing. Only a narrative's kernel has the credentials `narrative` needs, so
 * another notebook says so instead. Listens on the notebook, capturing, as the
 * app cells' drop of an app does.
 */
export function acceptObjectDrops(panel: NotebookPanel, trans: TranslationBundle): void {
  const notebook = panel.content;
  let highlighted: HTMLElement | null = null;
  const highlight = (node: HTMLElement | null) => {
    if (highlighted === node) return;
    if (highlighted) highlighted.style.outline = '';
    highlighted = node;
    if (node) node.style.outline = TARGET_OUTLINE;
  };

  const handle = (event: Event) => {
    const drag = event as Drag.Event;
    if (!drag.mimeData?.hasData(OBJECT_MIME)) return;
    const cell = Private.targetCell(notebook, event.target);
    if (!cell) {
      if (event.type !== 'lm-drop') highlight(null);
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    switch (event.type) {
      case 'lm-dragenter':
      case 'lm-dragover':
        drag.dropAction = drag.proposedAction === 'none' ? 'none' : 'copy';
        highlight(cell.editorWidget?.node ?? cell.node);
        break;
      case 'lm-dragleave':
        if (!cell.node.contains(drag.relatedTarget as Node | null)) highlight(null);
        break;
      case 'lm-drop': {
        highlight(null);
        const payload = drag.mimeData.getData(OBJECT_MIME) as IObjectDragPayload;
        if (narrativeIdOf(panel.context.path) === null) {
          drag.dropAction = 'none';
          Notification.warning(trans.__('%1 is not a narrative: its kernel cannot load %2. Open a narrative to use its data in code.', panel.context.path, payload.ref), { autoClose: 5000 });
          break;
        }
        drag.dropAction = 'copy';
        Private.insertLoad(notebook, cell, payload, drag.clientX, drag.clientY);
        break;
      }
    }
  };
  for (const type of ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop']) notebook.node.addEventListener(type, handle, true);
  notebook.disposed.connect(() => highlight(null));
}

namespace Private {
  /** The code cell under the event's target that takes objects: not an app cell, not read-only. */
  export function targetCell(notebook: Notebook, target: EventTarget | null): Cell | null {
    if (!(target instanceof Node)) return null;
    const cell = notebook.widgets.find((w) => w.node.contains(target));
    if (!cell || cell.model.type !== 'code' || cell.readOnly) return null;
    const metadata = cell.model.getMetadata('narrative') as { app?: unknown } | undefined;
    return metadata?.app ? null : cell;
  }

  export function insertLoad(notebook: Notebook, cell: Cell, payload: IObjectDragPayload, x: number, y: number): void {
    const at = cell.editor?.getPositionForCoordinate({ left: x, right: x, top: y, bottom: y });
    const source = cell.model.sharedModel.getSource();
    // Below the last line, or anywhere the editor cannot place: at the end.
    const line = at ? at.line : Number.MAX_SAFE_INTEGER;
    const sources = notebook.widgets.filter((w) => w.model.type === 'code').map((w) => w.model.sharedModel.getSource());
    const lines = [...(importsNarrative(sources) ? [] : ['import narrative']), loadLine(payload)];
    cell.model.sharedModel.setSource(insertLines(source, line, lines));
    const index = notebook.widgets.indexOf(cell);
    if (index >= 0) notebook.activeCellIndex = index;
  }
}
