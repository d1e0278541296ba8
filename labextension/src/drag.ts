import { MimeData } from '@lumino/coreutils';
import { Drag } from '@lumino/dragdrop';

/** How far the mouse moves before a press becomes a drag (as the file browser). */
const DRAG_THRESHOLD = 5;

/**
 * Starts a Lumino drag of `payload` under `mime` once the mouse pressed on an
 * entry has moved a few pixels, so a click stays a click. Lumino drags are
 * what notebook cells receive (`lm-dragenter`, `lm-drop`).
 */
export function dragOnMouseDown(event: MouseEvent, mime: string, payload: unknown, label: string): void {
  if (event.button !== 0) return;
  // Without this the moving mouse selects the page's text, and a press on a selection later starts the browser's own drag of it instead of ours.
  event.preventDefault();
  const startX = event.clientX;
  const startY = event.clientY;
  const move = (e: MouseEvent) => {
    if (Math.abs(e.clientX - startX) < DRAG_THRESHOLD && Math.abs(e.clientY - startY) < DRAG_THRESHOLD) return;
    stop();
    const mimeData = new MimeData();
    mimeData.setData(mime, payload);
    const dragImage = document.createElement('div');
    dragImage.className = 'jp-narrative-DragImage';
    dragImage.textContent = label;
    const drag = new Drag({ mimeData, dragImage, proposedAction: 'copy', supportedActions: 'copy' });
    void drag.start(e.clientX, e.clientY);
  };
  const stop = () => {
    document.removeEventListener('mousemove', move, true);
    document.removeEventListener('mouseup', stop, true);
  };
  document.addEventListener('mousemove', move, true);
  document.addEventListener('mouseup', stop, true);
}
