import type { IObjectDragPayload } from '../tokens.js';

/**
 * The Python a dropped object becomes in a code cell: a variable named after
 * the object, loaded by its exact reference (the version dragged, not
 * whatever is newest when the cell runs again), and the import when no cell
 * of the notebook has it yet.
 */
const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try',
  'while', 'with', 'yield', 'narrative',
]);

const IMPORTED = /^[ \t]*(?:import[ \t]+narrative\b|from[ \t]+narrative[ \t]+import\b)/m;

/** A Python identifier from an object's name: other characters become `_`, a leading digit gets `_` before it, a keyword (or the module's own name) `_` after. */
export function pythonName(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (id === '' || /^[0-9]/.test(id)) id = `_${id}`;
  return KEYWORDS.has(id) ? `${id}_` : id;
}

/** `reads = narrative.get("12/3/1")`: a JSON string of digits and slashes is a Python string literal too. */
export function loadLine(payload: Pick<IObjectDragPayload, 'name' | 'ref'>): string {
  return `${pythonName(payload.name)} = narrative.get(${JSON.stringify(payload.ref)})`;
}

/** Whether any of the notebook's code cells imports the client already. */
export function importsNarrative(sources: readonly string[]): boolean {
  return sources.some((source) => IMPORTED.test(source));
}

/** Whether a cell's source calls on the client (`narrative.save(…)`, `from narrative import save`): after it runs, the narrative may have new objects. */
export function usesClient(source: string): boolean {
  return /\bnarrative\s*\.\s*\w|\bfrom\s+narrative\s+import\b/.test(source);
}

/**
 * The cell's source with the lines inserted before line `line` (0-based; past
 * the end appends), each on a line of its own.
 */
export function insertLines(source: string, line: number, lines: readonly string[]): string {
  const rows = source === '' ? [] : source.split('\n');
  const at = Math.max(0, Math.min(line, rows.length));
  return [...rows.slice(0, at), ...lines, ...rows.slice(at)].join('\n');
}
