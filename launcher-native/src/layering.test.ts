import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layers of this package and what each may import (README.md says why).
 * A file may always import its own layer. Tests may import anything: they are
 * where the local cluster and engine are used. index.ts is the package's face.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  base: [],
  'job-dir': ['base'],
  images: ['base'],
  wrapper: ['base', 'job-dir'],
  schedulers: ['base', 'job-dir'],
  local: ['base', 'job-dir', 'images', 'wrapper', 'schedulers'],
};
const BASE_FOLDERS = ['files', 'processes'];
const BASE_FILES = ['job-state.ts'];

/** The layer of a source file (path relative to src/, with '/'); null for what the rule leaves out. */
export function layerOf(path: string): string | null {
  if (path === 'index.ts' || path.endsWith('.test.ts')) return null;
  if (BASE_FILES.includes(path)) return 'base';
  const top = path.split('/')[0]!;
  if (BASE_FOLDERS.includes(top)) return 'base';
  return top in MAY_IMPORT && path.includes('/') ? top : 'outside every layer';
}

/** Relative specifiers of static imports and exports, side-effect imports and dynamic import(). */
function importsOf(source: string): string[] {
  const found = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return [...new Set(found)];
}

/** Every import that runs against the layering, as `file → imported (layer → layer)`. */
export function violations(files: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [path, source] of files) {
    const layer = layerOf(path);
    if (layer === null) continue;
    if (!(layer in MAY_IMPORT)) {
      found.push(`${path} is in no layer: put it in one, and say so in README.md`);
      continue;
    }
    for (const specifier of importsOf(source)) {
      const target = posix.normalize(posix.join(posix.dirname(path), specifier)).replace(/\.js$/, '.ts');
      const targetLayer = layerOf(target) ?? 'index';
      if (targetLayer !== layer && !MAY_IMPORT[layer]!.includes(targetLayer)) found.push(`${path} → ${target} (${layer} may not import ${targetLayer})`);
    }
  }
  return found;
}

function sourceFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.set(relative(root, full).split(sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return files;
}

describe('the layers of launcher-native', () => {
  it('have no import running back up: job-dir ← wrapper, job-dir ← schedulers, images apart, local above all', () => {
    // The sources, not dist/: a file moved away leaves its old output behind there.
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    const files = sourceFiles(src);
    assert.ok(files.size > 50, `found the sources in ${src}`);
    assert.deepEqual(violations(files), []);
  });

  it('catch an import up a layer, static or dynamic, and a file in no layer', () => {
    const files = new Map([
      ['wrapper/main.ts', "import { x } from '../schedulers/local.js';\nconst y = await import('../local/docker-engine.js');"],
      ['job-dir/result.ts', "export { z } from '../wrapper/wrap.js';"],
      ['schedulers/slurm/slurm.ts', "import '../../images/recipe.js';\nimport { ok } from '../../job-dir/layout.js';"],
      ['stray.ts', ''],
      ['local/test-job.ts', "import { w } from '../wrapper/wrap.js';"],
      ['wrapper/wrapper.test.ts', "import { l } from '../local/test-job.js';"],
    ]);
    assert.deepEqual(violations(files), [
      'wrapper/main.ts → schedulers/local.ts (wrapper may not import schedulers)',
      'wrapper/main.ts → local/docker-engine.ts (wrapper may not import local)',
      'job-dir/result.ts → wrapper/wrap.ts (job-dir may not import wrapper)',
      'schedulers/slurm/slurm.ts → images/recipe.ts (schedulers may not import images)',
      'stray.ts is in no layer: put it in one, and say so in README.md',
    ]);
  });
});
