import { badRequest } from '../errors.js';
import { TITLE_PATTERN } from '../schemas/common.js';

/**
 * Narratives appear in the Jupyter Contents API as `<title> (<id>).ipynb` in
 * one flat directory: readable in a file browser, and the id makes the path
 * unique. A rename to a path without the id keeps the id of the old path.
 */
const PATH = /^(.*) \(([0-9]{1,15})\)\.ipynb$/;
const TITLE = new RegExp(TITLE_PATTERN);

export function narrativePath(id: number, title: string): string {
  return `${title} (${id}).ipynb`;
}

/** The narrative id in a path, or null for a path naming no existing narrative (e.g. `Untitled.ipynb`). */
export function narrativeIdOf(path: string): number | null {
  const match = PATH.exec(checkPath(path));
  return match ? Number(match[2]) : null;
}

/** The title a path asks for: the file name without the id suffix and `.ipynb`. */
export function titleOf(path: string): string {
  const clean = checkPath(path);
  const match = PATH.exec(clean);
  const title = match ? match[1]! : clean.replace(/\.ipynb$/, '');
  if (!TITLE.test(title)) throw badRequest(`"${title}" is not a usable title: 1–200 characters, no control characters or slashes.`);
  return title;
}

/** Refuses anything but a plain file name in the root directory: no traversal, no subdirectories, no control characters. */
export function checkPath(path: string): string {
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean.includes('/') || clean.includes('\\') || clean === '.' || clean === '..' || /[\u0000-\u001f\u007f]/.test(clean)) {
    throw badRequest('Narrative paths are plain file names in the top directory: no slashes, no "..", no control characters.');
  }
  if (clean !== '' && !clean.endsWith('.ipynb')) throw badRequest('Narratives are notebooks: their paths end in .ipynb.');
  return clean;
}
