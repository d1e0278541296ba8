import type { LoadedNarrative } from '../domain/narratives.js';
import type { Notebook } from '../domain/notebook.js';
import { atLeast } from '../domain/permissions.js';
import type { Level } from '../schemas/common.js';
import type { VersionRecord } from '../store/store.js';
import { narrativePath } from './paths.js';

/** Models in the Jupyter Contents wire format (jupyter_server's ContentsManager). */
export interface ContentsModel {
  name: string;
  path: string;
  type: 'notebook' | 'directory';
  format: 'json' | null;
  mimetype: null;
  content: unknown;
  created: string;
  last_modified: string;
  writable: boolean;
  size: number | null;
}

export function notebookModel({ narrative, ws }: LoadedNarrative, level: Level, version: VersionRecord, notebook?: Notebook): ContentsModel {
  const path = narrativePath(narrative.id, narrative.title);
  return {
    name: path,
    path,
    type: 'notebook',
    format: notebook ? 'json' : null,
    mimetype: null,
    content: notebook ?? null,
    created: narrative.createdAt,
    last_modified: version.savedAt,
    writable: atLeast(level, 'write') && ws.publishedAt === null,
    size: version.size,
  };
}

export function directoryModel(children: ContentsModel[] | null): ContentsModel {
  const newest = children?.map((c) => c.last_modified).sort().at(-1) ?? new Date(0).toISOString();
  return { name: '', path: '', type: 'directory', format: children ? 'json' : null, mimetype: null, content: children, created: newest, last_modified: newest, writable: true, size: null };
}

export function checkpointOf(version: VersionRecord) {
  return { id: String(version.ver), last_modified: version.savedAt };
}
