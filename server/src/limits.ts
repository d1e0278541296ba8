import { invalidContent } from './errors.js';

/**
 * Every size limit on what a request may send, in one place. The operator
 * guide lists them (docs/operator-guide.md, "Limits"); the first five are set
 * by environment variables, the rest are fixed because the product relies on
 * them (an API page is at most PAGE_MAX items, whatever the server).
 */
export interface Limits {
  /** Largest JSON request body, in bytes (NARRATIVE_MAX_JSON_BYTES). */
  jsonBytes: number;
  /** Deepest nesting of arrays and objects in any JSON a request sends (NARRATIVE_MAX_JSON_DEPTH). */
  jsonDepth: number;
  /** Largest uploaded file, in bytes (NARRATIVE_MAX_FILE_BYTES). */
  blobBytes: number;
  /** Largest pushed app image (OCI archive), in bytes (NARRATIVE_MAX_IMAGE_BYTES). */
  imageBytes: number;
  /** Largest imported offline archive, all its files together, in bytes (NARRATIVE_MAX_ARCHIVE_BYTES): what staging it may take of the disk. */
  archiveBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Limits = {
  jsonBytes: 16 * MiB,
  // Deep enough for any notebook or widget state seen in practice, far below what recursion survives.
  jsonDepth: 100,
  blobBytes: 4096 * MiB,
  imageBytes: 16384 * MiB,
  archiveBytes: 65536 * MiB,
};

/** Items on one page of a listing. */
export const PAGE_MAX = 1000;
/** A list offset: past this no listing has items, and it stays an exact integer in every store. */
export const OFFSET_MAX = 1_000_000_000;
/** Multipart uploads: file parts, plain fields, and all parts together. */
export const UPLOAD_FILES_MAX = 20;
export const UPLOAD_FIELDS_MAX = 20;
export const UPLOAD_PARTS_MAX = 60;
/** Bodies of the lab's settings and workspaces, and of kernel and session requests. */
export const LAB_STATE_BYTES = 2 * MiB;
export const KERNEL_REQUEST_BYTES = 1 * MiB;

/**
 * How deeply `value` nests, counted without recursion so that the count itself
 * cannot overflow the stack; stops as soon as `limit` is passed.
 */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) if (child !== null && typeof child === 'object') pending.push([child, here]);
  }
  return deepest;
}

/** Refuses JSON nested deeper than `limit` (422), before anything walks it recursively. */
export function requireShallow(value: unknown, limit: number, what = 'The JSON'): void {
  if (nestingDepth(value, limit) > limit) {
    throw invalidContent(`${what} nests arrays and objects more than ${limit} levels deep.`, [{ path: '', message: `nesting deeper than ${limit}` }]);
  }
}
