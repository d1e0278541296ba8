import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { PackageVersions } from '@narrative/launcher-native';
// The recipe's rules alone: the package's index brings dockerode, gRPC and ssh2, which `app register` never uses.
import { recipeProblems } from '@narrative/launcher-native/recipe';
import type { AppSpec } from '../client/index.js';
import { ImageRecipe } from '../schemas/recipe.js';
import { createAjv } from '../schemas/validation.js';
import { recipeErrorLines } from './recipe-errors.js';
import { UsageError } from './usage.js';

/** What `narrative app build` leaves beside the archive, so `register` knows which image a recipe made. */
export interface BuildRecord {
  digest: string;
  layerDigest: string;
  /** sha256 over the recipe and the app files it names: a changed file means a stale build. */
  sourceDigest: string;
  builtAt: string;
  seconds: number;
  /**
   * The lock: every Debian package inside the image at its exact version, from
   * its dpkg status. The server reads the same list from the pushed image, and
   * `narrative app verify-image` rebuilds with every package held at it.
   */
  lock: PackageVersions;
}

export const ARCHIVE_FILE = 'image.oci.tar';
export const BUILD_FILE = 'image.json';

/**
 * An app as its developer keeps it: a directory with app.json, whose
 * `container.recipe` may name a recipe file beside it (the form in
 * apps-catalog/apps/), or one spec file. The image is filled in from the last build.
 */
export interface AppSource {
  dir: string;
  /** app.json as written: `container.recipe` may still be a file name and `container.image` absent. */
  spec: Record<string, unknown> & { id?: string; version?: string; container?: { image?: unknown; recipe?: unknown } };
  recipe: ImageRecipe | null;
}

const validateRecipe = createAjv({ useDefaults: true }).compile<ImageRecipe>(ImageRecipe);

export async function loadAppSource(path: string): Promise<AppSource> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new UsageError(`${path} does not exist`);
  const file = s.isDirectory() ? join(path, 'app.json') : path;
  const spec = await readJson(file, s.isDirectory() ? 'an app directory needs an app.json' : undefined);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError(`${file} must hold one JSON object, the app spec`);
  const source = { dir: dirname(resolve(file)), spec: spec as AppSource['spec'], recipe: null as ImageRecipe | null };
  const image = source.spec.container?.image;
  if (typeof image === 'string') throw new UsageError(`${file}: container.image "${image}" is a floating tag; an app runs one exact image: build it from a recipe (narrative app build) or give {"digest": "sha256:…", "format", "location"}`);
  const recipe = source.spec.container?.recipe;
  if (typeof recipe === 'string') source.recipe = await loadRecipe(join(source.dir, recipe));
  else if (recipe !== undefined) source.recipe = checkRecipe(structuredClone(recipe), `${file} container.recipe`);
  return source;
}

async function loadRecipe(file: string): Promise<ImageRecipe> {
  return checkRecipe(await readJson(file), file);
}

function checkRecipe(recipe: unknown, where: string): ImageRecipe {
  if (!validateRecipe(recipe)) {
    throw new UsageError(`${where} is not a valid recipe:\n${recipeErrorLines(validateRecipe.errors, recipe).map((line) => `  ${line}`).join('\n')}`);
  }
  const problems = recipeProblems(recipe);
  if (problems.length > 0) throw new UsageError(`${where} is not a valid recipe:\n${problems.map((p) => `  ${p.path} ${p.message}`).join('\n')}`);
  return recipe;
}

/** Digest of what an image is built from: the recipe and the bytes of every app file it names. */
export async function sourceDigest(source: AppSource, recipe: ImageRecipe): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(recipe));
  for (const name of Object.keys(recipe.files).sort()) {
    const bytes = await readFile(join(source.dir, name)).catch(() => {
      throw new UsageError(`the recipe names ${name}, which is not in ${source.dir}`);
    });
    hash.update(`\n${name}\n`).update(createHash('sha256').update(bytes).digest('hex'));
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The spec to register: the recipe embedded (so anyone can rebuild and compare
 * digests) and the image pinned to the digest of the last build of that very recipe.
 */
export async function specToRegister(source: AppSource, buildDir: string): Promise<{ spec: AppSpec; archive: string | null }> {
  const container = source.spec.container ?? {};
  if (!source.recipe) return { spec: source.spec as unknown as AppSpec, archive: null };
  if (container.image !== undefined) return { spec: { ...source.spec, container: { ...container, recipe: source.recipe } } as unknown as AppSpec, archive: null };
  const build = (await readJson(join(buildDir, BUILD_FILE), `build it first: narrative app build ${source.dir}`)) as BuildRecord;
  if (build.sourceDigest !== (await sourceDigest(source, source.recipe))) {
    throw new UsageError(`the recipe or app files changed since the image in ${buildDir} was built: run narrative app build ${source.dir} again`);
  }
  return { spec: { ...source.spec, container: { recipe: source.recipe, image: { digest: build.digest } } } as unknown as AppSpec, archive: join(buildDir, ARCHIVE_FILE) };
}

async function readJson(file: string, hintIfMissing?: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' && hintIfMissing ? hintIfMissing : error.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

/** Why an app directory cannot be built: the one wording, for `narrative app build` and the bundled apps alike. */
export function noRecipe(dir: string): string {
  return `${dir} has no recipe: its app.json needs "container": {"recipe": "recipe.json"}`;
}

/**
 * Builds the app's image from its recipe into `out` (the OCI archive and the
 * build record beside it, as specToRegister reads them): what `narrative app
 * build` and the server's bundled-apps builder both do, so a build cache holds
 * one format whoever made it.
 */
export async function buildApp(source: AppSource, out: string, onProgress: (line: string) => void): Promise<BuildRecord & { archive: string; size: number }> {
  if (!source.recipe) throw new UsageError(noRecipe(source.dir));
  // Hashed before building: a file edited during the build must count as not built.
  const sources = await sourceDigest(source, source.recipe);
  const { buildDebianImage, writeFileDurably } = await import('@narrative/launcher-native');
  const built = await buildDebianImage({ recipe: source.recipe, appDir: source.dir, archive: join(out, ARCHIVE_FILE), onProgress });
  const record: BuildRecord = { digest: built.digest, layerDigest: built.layerDigest, sourceDigest: sources, builtAt: new Date().toISOString(), seconds: built.seconds, lock: built.packages };
  await writeFileDurably(join(out, BUILD_FILE), `${JSON.stringify(record, null, 2)}\n`, 0o644);
  return { ...record, archive: built.archive, size: (await stat(built.archive)).size };
}
