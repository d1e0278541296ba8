import type { Notebook } from '@jupyterlab/notebook';

type Cell = Notebook['widgets'][number];

/** How long a revealed cell is held in view while the notebook around it is still being laid out. */
const SETTLE_MS = 3000;
/** What a person does to scroll or act on their own: holding the cell stops at the first of these. */
const USER_INPUT = ['wheel', 'pointerdown', 'keydown', 'touchstart'] as const;

/**
 * Selects a cell and brings it to the middle of its notebook's view, and
 * keeps it there for a moment. A notebook just opened draws its cells in
 * idle time and skips those out of view (`content-visibility`), so the cells
 * above grow after the first scroll and push the cell away; each time the
 * notebook's content changes size it is centred again, until it settles
 * or the reader scrolls themselves.
 */
export async function revealCell(notebook: Notebook, cell: Cell): Promise<void> {
  notebook.activeCellIndex = notebook.widgets.indexOf(cell);
  await notebook.scrollToCell(cell, 'center');
  await cell.ready;
  if (cell.isDisposed || notebook.isDisposed) return;
  const centre = () => cell.node.scrollIntoView({ block: 'center' });
  const observer = new ResizeObserver(centre);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
    for (const type of USER_INPUT) notebook.node.removeEventListener(type, stop, true);
  };
  const timer = setTimeout(stop, SETTLE_MS);
  for (const type of USER_INPUT) notebook.node.addEventListener(type, stop, true);
  observer.observe(notebook.viewportNode);
  centre();
}
