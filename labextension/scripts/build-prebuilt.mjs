// Builds the prebuilt (federated) extension for stock JupyterLab 4.6 into
// dist/prebuilt (package.json `jupyterlab.outputDir`). build-labextension
// needs the core app's package.json: @jupyterlab/core-meta ships it as
// core.package.json (the metapackage does not work as a core path).
//
// What a stock lab loads differs from our app in two ways, so the builder runs
// on a staging package, dist/prebuilt-staging (package.json, lib/ and style/):
// - `./extension` is lib/src/prebuilt.js: every plugin but the drive that
//   replaces the default drive, plus narratives as the named drive "Narratives:";
// - no settings schemas: schema/drive.json belongs to that drive plugin, and
//   its toolbar and menu entries would hide "New Folder" and "New File" in
//   every file browser of the lab.
// The package.json written to dist/prebuilt is ours, with that `extension`,
// the builder's `_build`, and JupyterLab's packages as ^ ranges (they are
// shared singletons at run time, never bundled). See README "Installing into
// a stock JupyterLab 4".
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = fileURLToPath(new URL('..', import.meta.url));
const EXTENSION = 'lib/src/prebuilt.js';
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
const outputDir = path.join(here, pkg.jupyterlab.outputDir);
const corePackage = require.resolve('@jupyterlab/core-meta/core.package.json');
const core = JSON.parse(fs.readFileSync(corePackage, 'utf8'));

if (!fs.existsSync(path.join(here, EXTENSION))) throw new Error(`${EXTENSION} is missing: run tsc -b (npm run build:prebuilt does) first`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'narrative-prebuilt-'));
try {
  const corePath = path.join(tmp, 'core');
  fs.mkdirSync(corePath);
  fs.copyFileSync(corePackage, path.join(corePath, 'package.json'));

  // At a fixed path: webpack hashes module paths into remoteEntry's name.
  const staging = path.join(here, 'dist', 'prebuilt-staging');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const dir of ['lib', 'style']) fs.symlinkSync(path.join(here, dir), path.join(staging, dir), 'dir');
  const { schemaDir: _schemas, ...jupyterlab } = pkg.jupyterlab;
  const stagingPackage = { ...pkg, jupyterlab: { ...jupyterlab, extension: EXTENSION, outputDir: path.relative(staging, outputDir) } };
  fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify(stagingPackage, null, 2));

  const buildLabextension = require.resolve('@jupyterlab/builder/lib/build-labextension.js');
  execFileSync(process.execPath, [buildLabextension, '--core-path', corePath, staging], { stdio: 'inherit' });

  const built = JSON.parse(fs.readFileSync(path.join(outputDir, 'package.json'), 'utf8'));
  const coreDeps = { ...core.dependencies, ...core.resolutions };
  const dependencies = Object.fromEntries(
    Object.entries(pkg.dependencies).map(([name, version]) => [name, name in coreDeps && /^\d/.test(version) ? `^${version}` : version]),
  );
  const output = { ...pkg, dependencies, jupyterlab: { ...jupyterlab, extension: EXTENSION, _build: built.jupyterlab._build } };
  fs.writeFileSync(path.join(outputDir, 'package.json'), `${JSON.stringify(output, null, 2)}\n`);
  verify(output);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(path.join(here, 'dist', 'prebuilt-staging'), { recursive: true, force: true });
}
// Load it as a stock lab would (scripts/check-prebuilt.mjs): the plugin list, no core token replaced.
execFileSync(process.execPath, [path.join(here, 'scripts', 'check-prebuilt.mjs'), outputDir], { stdio: 'inherit' });

/** What a stock JupyterLab 4 relies on, checked on the files written. */
function verify(output) {
  const problems = [];
  const build = output.jupyterlab._build;
  if (build.extension !== './extension' || build.style !== './style') problems.push(`_build is ${JSON.stringify(build)}`);
  const entry = path.join(outputDir, build.load);
  if (!/^static\/remoteEntry\.[0-9a-f]+\.js$/.test(build.load) || !fs.existsSync(entry)) problems.push(`no remote entry at ${build.load}`);
  else {
    const text = fs.readFileSync(entry, 'utf8');
    for (const name of ['"./extension"', '"./style"', `_JUPYTERLAB`, JSON.stringify(output.name)]) if (!text.includes(name)) problems.push(`${build.load} does not mention ${name}`);
  }
  const chunks = fs.readdirSync(path.join(outputDir, 'static')).filter((f) => f.endsWith('.js'));
  if (!chunks.some((f) => fs.readFileSync(path.join(outputDir, 'static', f), 'utf8').includes('@narrative/labextension:narratives-drive'))) problems.push('no chunk holds the prebuilt entry (the narratives-drive plugin)');
  const licenses = JSON.parse(fs.readFileSync(path.join(outputDir, 'static', 'third-party-licenses.json'), 'utf8'));
  const bundled = licenses.packages.map((p) => p.name).filter((n) => /^(@jupyterlab|@lumino|@codemirror|@lezer|yjs|react|react-dom)(\/|$)/.test(n));
  if (bundled.length) problems.push(`bundled instead of shared: ${bundled.join(', ')}`);
  if (fs.existsSync(path.join(outputDir, 'schemas'))) problems.push('schemas/ was written');
  if (problems.length) throw new Error(`dist/prebuilt is not a valid federated extension:\n- ${problems.join('\n- ')}`);
  console.log(`dist/prebuilt: ${output.name}@${output.version}, ${build.load}, exposes ./extension (${EXTENSION}) and ./style; JupyterLab, Lumino and React shared, not bundled`);
}
