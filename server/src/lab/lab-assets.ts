import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The built JupyterLab app: static files, each plugin's settings schema, themes. */
export interface LabAssets {
  dir: string;
  /** Plugin id (`package:plugin`) → its settings schema. */
  schemas: Map<string, Record<string, unknown>>;
  /** The bundle's entry scripts, under /lab/static/. */
  entries: string[];
  /** Versions and names the page config carries. */
  appVersion: string;
}

/**
 * Finds the lab bundle (`labextension/dist/lab` unless configured) and
 * reads what the settings API serves. Null when it was never built: the
 * server then answers /lab with a page saying how to build it.
 */
export async function loadLabAssets(dir = defaultLabDir()): Promise<LabAssets | null> {
  if (!dir || !(await stat(join(dir, 'build.json')).catch(() => null))) return null;
  const build = JSON.parse(await readFile(join(dir, 'build.json'), 'utf8')) as { entry?: { file?: string; url?: string }; jupyterlabVersion?: string };
  const schemas = new Map<string, Record<string, unknown>>();
  const root = join(dir, 'schemas');
  for (const file of await walk(root)) {
    if (!file.endsWith('.json') || file.endsWith('package.json.orig')) continue;
    const rel = file.slice(root.length + 1, -'.json'.length);
    const cut = rel.lastIndexOf('/');
    if (cut < 0) continue;
    schemas.set(`${rel.slice(0, cut)}:${rel.slice(cut + 1)}`, JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
  }
  // The entry's URL carries its content hash (`bundle.js?v=…`), so a rebuilt bundle is never served from a stale cache.
  return { dir, schemas, entries: [build.entry?.url ?? build.entry?.file ?? 'bundle.js'], appVersion: build.jupyterlabVersion ?? '4' };
}

function defaultLabDir(): string | null {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@narrative/labextension/package.json')), 'dist', 'lab');
  } catch {
    return null;
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}
