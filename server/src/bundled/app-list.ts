import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAppSource, noRecipe, type AppSource } from '../cli/app-source.js';
import { EXAMPLE_APPS } from './example-notebook.js';

/** One bundled app: its folder (the build cache's key) and its source as `narrative app build` reads it. */
export interface BundledSource {
  folder: string;
  id: string;
  version: string;
  name: string;
  source: AppSource;
  /** Set for a kernel image (./kernel-list.ts): built the same way, from this kernel.json, then offered for code cells instead of registered. */
  kernel?: { file: string };
}

/**
 * The bundled apps: every folder of `dir` with an app.json, in build order:
 * the example narrative's apps first, in its order (so its first cell is
 * runnable soonest), then the rest by folder name. A folder that cannot be
 * read as an app is reported, not fatal: the others are still built.
 */
export async function listBundledApps(dir: string): Promise<{ apps: BundledSource[]; problems: string[] }> {
  const apps: BundledSource[] = [];
  const problems: string[] = [];
  for (const folder of (await readdir(dir)).sort()) {
    const isApp = await stat(join(dir, folder, 'app.json')).then((s) => s.isFile(), () => false);
    if (!isApp) continue;
    try {
      const source = await loadAppSource(join(dir, folder));
      const { id, version, name } = source.spec as { id?: unknown; version?: unknown; name?: unknown };
      if (typeof id !== 'string' || typeof version !== 'string') throw new Error('app.json has no id or version');
      if (!source.recipe) throw new Error(noRecipe('its folder'));
      // Registering would pin the named image and ignore the build: refused now, not after minutes of building.
      if (source.spec.container?.image !== undefined) throw new Error('its app.json names both an image (container.image) and a recipe: a bundled app is built from its recipe, so it must name no image');
      apps.push({ folder, id, version, name: typeof name === 'string' ? name : id, source });
    } catch (error) {
      problems.push(`${folder}: ${(error as Error).message}`);
    }
  }
  const rank = (app: BundledSource) => {
    const at = EXAMPLE_APPS.indexOf(app.id);
    return at < 0 ? EXAMPLE_APPS.length : at;
  };
  return { apps: apps.sort((a, b) => rank(a) - rank(b) || a.folder.localeCompare(b.folder)), problems };
}
