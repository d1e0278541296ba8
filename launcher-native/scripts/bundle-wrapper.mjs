#!/usr/bin/env node
// Bundles the compiled job wrapper (dist/wrapper/main.js, from `tsc -b`) into one file,
// dist/wrapper/bundle.mjs: Node then loads one module instead of about 250 (most of them
// @sinclair/typebox's), which halves the wrapper's start-up, the floor of every job's dispatch.
// Beside it, bundle.inputs.json names every file the bundle was made from with its SHA-256: the
// server, when it starts, runs the bundle only if all of them still match (server/src/execution.ts),
// so a server started after a `tsc -b` without this script never runs an old bundle. Does nothing
// when that record still holds.
//   node launcher-native/scripts/bundle-wrapper.mjs [--force]
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const launcher = join(dirname(fileURLToPath(import.meta.url)), '..');
const wrapperDir = join(launcher, 'dist', 'wrapper');
const entry = join(wrapperDir, 'main.js');
const bundleFile = join(wrapperDir, 'bundle.mjs');
const inputsFile = join(wrapperDir, 'bundle.inputs.json');

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * What a bundle depends on beyond its inputs: this script (its options) and the bundler's version.
 * A change rebuilds it; the server does not look at it, as either bundle runs the same code.
 */
function recipe(rspackVersion) {
  return createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).update(rspackVersion).digest('hex');
}

/** True when bundle.inputs.json describes bundle.mjs as it is and every input is unchanged. */
function isCurrent(rspackVersion) {
  try {
    const record = JSON.parse(readFileSync(inputsFile, 'utf8'));
    if (record.recipe !== recipe(rspackVersion) || record.bundle !== sha256(bundleFile)) return false;
    return Object.entries(record.inputs).every(([file, hash]) => sha256(resolve(wrapperDir, file)) === hash);
  } catch {
    return false;
  }
}

/** The bundler's options: output that behaves as the modules it came from, run where they lie. */
function config(outputDir) {
  return {
    mode: 'production',
    bail: true,
    // Mapped through the compiled files' own maps to the TypeScript, for `node --enable-source-maps`.
    devtool: 'source-map',
    context: launcher,
    target: 'node20',
    entry: { bundle: entry },
    output: {
      path: outputDir, filename: 'bundle.mjs', module: true, chunkFormat: 'module', chunkLoading: 'import', clean: false,
      // Sources named relative to the map, as tsc's maps do, so they hold wherever the tree lies.
      devtoolModuleFilenameTemplate: (info) => relative(wrapperDir, info.absoluteResourcePath).split(sep).join('/'),
    },
    experiments: { outputModule: true },
    // Node's own resolution: the files `node main.js` loads, not a package's browser or `module` build.
    resolve: { conditionNames: ['node', 'import'], mainFields: ['main'] },
    // dockerode (and its native, optional dependencies) stays in node_modules, loaded as main.js loads
    // it: only when the docker scheduler's engine runs the job (engine-launch.js, imported lazily).
    externals: { dockerode: 'dockerode' },
    externalsType: 'import',
    externalsPresets: { node: true },
    module: {
      rules: [{ test: /\.m?js$/, extractSourceMap: true }],
      parser: {
        javascript: {
          // import.meta.url stays the running file's: version.js reads ../../package.json from it, and the
          // bundle sits where version.js does. Nor is that URL an asset to copy.
          importMeta: false,
          url: false,
          // The lazily imported engine-launch.js goes in the one file, still evaluated only when imported.
          dynamicImportMode: 'eager',
        },
      },
    },
    node: { __dirname: false, __filename: false, global: false },
    // Unminified: stack traces and error messages read as the sources do; the parse time saved would be small.
    optimization: { minimize: false, nodeEnv: false, splitChunks: false, runtimeChunk: false },
    performance: { hints: false },
  };
}

function compile(rspack, options) {
  return new Promise((done, fail) => {
    rspack(options, (error, stats) => {
      if (error) return fail(error);
      if (stats.hasErrors()) return fail(new Error(stats.toString({ all: false, errors: true, colors: false })));
      done(stats);
    });
  });
}

// The version from its package.json: loading the bundler itself takes longer than the whole check.
const rspackVersion = createRequire(import.meta.url)('@rspack/core/package.json').version;
if (!process.argv.includes('--force') && isCurrent(rspackVersion)) process.exit(0);
const { rspack } = await import('@rspack/core');
statSync(entry); // a clear ENOENT when `tsc -b` has not run

const began = Date.now();
const scratch = mkdtempSync(join(wrapperDir, '.bundle-'));
try {
  const stats = await compile(rspack, config(scratch));
  if (stats.hasWarnings()) process.stderr.write(`${stats.toString({ all: false, warnings: true, colors: false })}\n`);
  // Every file read but the compiled files' source maps and the TypeScript they name, which change no behaviour.
  const files = [...stats.compilation.fileDependencies].filter((file) => !/\.(map|ts)$/.test(file) && statSync(file).isFile()).sort();
  if (!files.includes(entry)) throw new Error(`the bundle does not name ${entry} among its inputs`);
  const inputs = {};
  for (const file of files) {
    // Written while the bundler read it (a `tsc -b` at the same time): what it read is unknown.
    if (statSync(file).mtimeMs >= began) throw new Error(`${file} changed while the wrapper was bundled: run this again`);
    inputs[relative(wrapperDir, file).split(sep).join('/')] = sha256(file);
  }
  const built = join(scratch, 'bundle.mjs');
  const record = { recipe: recipe(rspackVersion), bundle: sha256(built), inputs };
  // The bundle first, then its record: a crash between the two leaves a record the bundle does not match.
  renameSync(`${built}.map`, `${bundleFile}.map`);
  renameSync(built, bundleFile);
  writeFileSync(join(scratch, 'inputs.json'), `${JSON.stringify(record, null, 1)}\n`);
  renameSync(join(scratch, 'inputs.json'), inputsFile);
  process.stdout.write(`bundled the job wrapper (${Object.keys(inputs).length} files) into ${relative(process.cwd(), bundleFile)} in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
