import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAppSource, noRecipe } from '../cli/app-source.js';
import type { BundledSource } from './app-list.js';

/** A kernel image's descriptor in its folder: id, name, version and `container.recipe`, as an app.json has them. */
export const KERNEL_FILE = 'kernel.json';

/**
 * The kernel images to build and offer (NARRATIVE_KERNEL_IMAGES_DIR): every
 * folder with a kernel.json, by folder name. Each is built exactly as an app
 * is (buildApp reads kernel.json as it reads an app.json); its build cache key
 * is `kernel-<folder>`, apart from the apps'. A folder that is not a kernel
 * image is reported, not fatal; a missing directory is no kernel images.
 */
export async function listKernelImageSources(dir: string): Promise<{ kernels: BundledSource[]; problems: string[] }> {
  const kernels: BundledSource[] = [];
  const problems: string[] = [];
  const folders = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  for (const folder of folders.sort()) {
    const file = join(dir, folder, KERNEL_FILE);
    if (!(await stat(file).then((s) => s.isFile(), () => false))) continue;
    try {
      const source = await loadAppSource(file);
      const { id, version, name } = source.spec as { id?: unknown; version?: unknown; name?: unknown };
      if (typeof id !== 'string' || typeof version !== 'string' || typeof name !== 'string') throw new Error(`${KERNEL_FILE} needs an id, a name and a version`);
      if (!source.recipe) throw new Error(noRecipe('its folder').replace('app.json', KERNEL_FILE));
      if (source.spec.container?.image !== undefined) throw new Error(`its ${KERNEL_FILE} names an image: a bundled kernel image is built from its recipe`);
      kernels.push({ folder: kernelCacheKey(folder), id, version, name, source, kernel: { file } });
    } catch (error) {
      problems.push(`kernels/${folder}: ${(error as Error).message}`);
    }
  }
  return { kernels, problems };
}

/** The build cache key of a kernel image's folder: the folder's name, apart from any app folder of the same name. */
export function kernelCacheKey(folder: string): string {
  return `kernel-${folder}`;
}
