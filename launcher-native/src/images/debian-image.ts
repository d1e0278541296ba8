import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LockedVersionsUnavailable, RecipeVersionsUnavailable, unavailablePackages } from './apt-availability.js';
import { tarPackages, type PackageVersions } from './dpkg-status.js';
import { packOciArchive, tar } from './oci-archive.js';
import { lockProblems, pinLock, unpinLayer, type PackageLock } from './package-lock.js';
import { recipeProblems, type ImageRecipe } from './recipe.js';
import { fileDigest } from '../files/file-digest.js';

export interface BuiltImage {
  /** The OCI image manifest's digest: the image's one name everywhere. */
  digest: string;
  /** The single layer's digest (its diff id). */
  layerDigest: string;
  /** The OCI archive holding the image. */
  archive: string;
  /** Every Debian package inside at its exact version, from the image's dpkg status: its lock. */
  packages: PackageVersions;
  seconds: number;
}

/**
 * Directories every app image has: bind targets must exist in a read-only image,
 * the contract's and /dev (mmdebstrap leaves it out with the device nodes).
 */
const CONTRACT_DIRS = ['in', 'out', 'app', 'dev'];

/** Smaller images with the same behaviour; copyright files stay, as Debian's licences ask. */
const DPKG_EXCLUDES = [
  'path-exclude=/usr/share/man/*', 'path-exclude=/usr/share/info/*', 'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/doc/*', 'path-include=/usr/share/doc/*/copyright',
];

/**
 * Builds an app image from its recipe: mmdebstrap writes a Debian root file
 * system as one tar (reproducible under SOURCE_DATE_EPOCH), the app's files
 * are appended with fixed owners and times, and the tar becomes the single
 * layer of an OCI archive. Building the same recipe and files twice gives the
 * same digest.
 *
 * With a lock (an earlier build's packages), every package is held at its
 * locked version; when the apt sources no longer carry one, nothing is built
 * and LockedVersionsUnavailable names them: an image of other versions would
 * verify nothing.
 */
export async function buildDebianImage(o: { recipe: ImageRecipe; appDir: string; archive: string; lock?: PackageLock; onProgress?: (line: string) => void }): Promise<BuiltImage> {
  const problems = [...recipeProblems(o.recipe).map((p) => `${p.path} ${p.message}`), ...(o.lock ? lockProblems(o.lock).map((p) => `lock: ${p}`) : [])];
  if (problems.length > 0) throw new Error(`the recipe cannot be built: ${problems.join('; ')}`);
  const started = Date.now();
  const progress = o.onProgress ?? (() => undefined);
  const sources = await aptSources();
  if (o.lock) {
    progress(`checking that the apt sources still carry the ${Object.keys(o.lock).length} locked package versions`);
    const missing = await unavailablePackages(o.lock, sources);
    if (missing.length > 0) throw new LockedVersionsUnavailable(missing);
  } else {
    progress(`checking that the apt sources carry the recipe's ${o.recipe.packages.length} package versions`);
    const missing = await unavailablePackages(recipePins(o.recipe), sources);
    if (missing.length > 0) throw new RecipeVersionsUnavailable(missing);
  }
  await mkdir(dirname(o.archive), { recursive: true });
  const work = await mkdtemp(join(dirname(o.archive), '.build-'));
  try {
    const layer = join(work, 'layer.tar');
    progress(`installing Debian ${o.recipe.suite} (${o.recipe.variant}) with ${o.recipe.packages.join(', ')}${o.lock ? ', every package at its locked version' : ''}`);
    const pins = o.lock ? await pinLock(o.lock, work) : [];
    await mmdebstrap(mmdebstrapArgv(o.recipe, layer, sources, pins), o.recipe.sourceDateEpoch, work, progress);
    if (o.lock) await unpinLayer(layer);
    const packages = await tarPackages(layer);
    progress('adding the app files');
    await appendAppFiles(layer, join(work, 'stage'), o.appDir, o.recipe);
    progress('packing the OCI archive');
    // Packed beside the layer and renamed: an interrupted build never leaves a partial archive.
    const packed = await packOciArchive(layer, join(work, 'image.oci.tar'));
    await rename(packed.location, o.archive);
    return { digest: packed.digest, layerDigest: `sha256:${await fileDigest(layer)}`, archive: o.archive, packages, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `hooks`: further mmdebstrap options (the lock's pins), which must come before the suite. */
export function mmdebstrapArgv(recipe: ImageRecipe, target: string, sources: string[], hooks: string[] = []): string[] {
  return [
    `--variant=${recipe.variant}`,
    `--include=${recipe.packages.join(',')}`,
    '--format=tar',
    // No device nodes: the runtimes give the container its own /dev.
    '--skip=output/dev,output/mknod',
    ...DPKG_EXCLUDES.map((e) => `--dpkgopt=${e}`),
    ...hooks,
    recipe.suite,
    target,
    ...sources,
  ];
}

/** The machine's own apt sources, as files mmdebstrap reads its mirrors from. */
export async function aptSources(): Promise<string[]> {
  const files: string[] = [];
  const list = '/etc/apt/sources.list';
  if ((await readFile(list, 'utf8').catch(() => '')).split('\n').some((l) => /^\s*deb\s/.test(l))) files.push(list);
  const dir = '/etc/apt/sources.list.d';
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (name.endsWith('.list') || name.endsWith('.sources')) files.push(join(dir, name));
  }
  if (files.length === 0) throw new Error('this machine has no apt sources (/etc/apt/sources.list or sources.list.d): images are built from them');
  return files;
}

/** `cwd`: the build's work directory, where hooks find their files. */
function mmdebstrap(args: string[], epoch: number, cwd: string, progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // Debian's own tools first (mmtarfilter is Python): a python3 earlier on PATH may be another interpreter.
    const env = { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`, SOURCE_DATE_EPOCH: String(epoch) };
    const child = spawn('mmdebstrap', args, { stdio: ['ignore', 'ignore', 'pipe'], env, cwd });
    const tail: string[] = [];
    let partial = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.trim() !== '')) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.startsWith('I: ')) progress(line.slice(3));
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? "mmdebstrap is not installed (Debian's mmdebstrap package)" : error.message)),
    );
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`mmdebstrap failed (exit ${code}):\n${[...tail, partial].filter(Boolean).join('\n')}`));
    });
  });
}

/** Appends the contract's directories and the app's files to the layer, owned by root with fixed times. */
async function appendAppFiles(layer: string, stage: string, appDir: string, recipe: ImageRecipe): Promise<void> {
  const entries = new Set<string>();
  for (const dir of CONTRACT_DIRS) {
    await mkdir(join(stage, dir), { recursive: true, mode: 0o755 });
    entries.add(`./${dir}`);
  }
  for (const [source, target] of Object.entries(recipe.files)) {
    const staged = join(stage, target);
    await mkdir(dirname(staged), { recursive: true });
    await copyFile(join(appDir, source), staged).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`the recipe names ${source}, which ${error.code === 'ENOENT' ? 'is not in' : 'cannot be read from'} ${appDir}`);
    });
    await chmod(staged, 0o755);
    entries.add(`.${target}`);
  }
  // Every directory entry gets 0755 whatever the builder's umask: the digest must not depend on it.
  await chmod(stage, 0o755);
  for (const entry of parentsOf(entries)) if (!recipeTargets(recipe).has(entry)) await chmod(join(stage, entry), 0o755);
  await tar([`--mtime=@${recipe.sourceDateEpoch}`, '-C', stage, '--no-recursion', '-rf', layer, ...[...parentsOf(entries)].sort()]);
}

function recipeTargets(recipe: ImageRecipe): Set<string> {
  return new Set(Object.values(recipe.files).map((target) => `.${target}`));
}

/** Every entry with the directories above it, so each gets its mode and owner in the layer. */
function parentsOf(entries: Set<string>): Set<string> {
  const all = new Set<string>();
  for (const entry of entries) {
    const parts = entry.split('/');
    for (let i = 2; i <= parts.length; i++) all.add(parts.slice(0, i).join('/'));
  }
  return all;
}

/** The recipe's `name=version` packages as a lock (recipes pin every package: recipeProblems checks). */
function recipePins(recipe: ImageRecipe): PackageLock {
  return Object.fromEntries(recipe.packages.map((p) => {
    const at = p.indexOf('=');
    return [p.slice(0, at), p.slice(at + 1)];
  }));
}
