// Bundles the JupyterLab app into dist/lab: static/ (JS, CSS), schemas/,
// themes/, build.json (what the server needs to know) and index.html.template.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import rspack from '@rspack/core';
import { appConfig, entryDir, entryName, outputDir, themeConfig } from '../rspack.config.mjs';
import { writeManifest } from './manifest.mjs';

const require = createRequire(import.meta.url);
const { Build } = require('@jupyterlab/builder');
const here = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));

/** The packages whose styles, schemas and themes the lab needs: every JupyterLab extension we depend on, and ours. */
function extensionPackages() {
  const isExtension = (name) => {
    // Our own workspace packages (@narrative/server) export no package.json and are never lab extensions.
    if (name.startsWith('@narrative/')) return false;
    const { jupyterlab } = require(`${name}/package.json`);
    return Boolean(jupyterlab && (jupyterlab.extension || jupyterlab.mimeExtension || jupyterlab.themePath));
  };
  return [...Object.keys(pkg.dependencies).filter(isExtension), pkg.name];
}

function compile(configs) {
  return new Promise((resolve, reject) => {
    rspack(configs, (error, stats) => {
      if (error) return reject(error);
      if (stats.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true, colors: false })));
      resolve(stats);
    });
  });
}

const started = performance.now();
if (!fs.existsSync(path.join(entryDir, 'main.js'))) throw new Error('lib/app/main.js is missing: run `tsc -b` (npm run build:lib) first.');
fs.rmSync(outputDir, { recursive: true, force: true });
const packages = extensionPackages();
const themes = Build.ensureAssets({ packageNames: packages, output: entryDir, schemaOutput: outputDir, themeOutput: outputDir });
const stats = await compile([appConfig, ...themes.map(themeConfig)]);
// Only the extracted CSS of a theme is served; ensureAssets' cache markers are not schemas.
for (const theme of themes) fs.rmSync(path.join(theme.output.path, 'index.js'), { force: true });
for (const file of fs.readdirSync(path.join(outputDir, 'schemas'), { recursive: true })) {
  if (file.endsWith('package.json.orig')) fs.rmSync(path.join(outputDir, 'schemas', file));
}

const entry = fs.readFileSync(path.join(outputDir, 'static', entryName));
const manifest = writeManifest({
  outputDir,
  entry: { file: entryName, sha256: createHash('sha256').update(entry).digest('hex') },
  packages,
  themes: themes.map((theme) => ({ package: path.relative(path.join(outputDir, 'themes'), theme.output.path), css: `${path.relative(outputDir, theme.output.path)}/index.css` })),
  jupyterlabVersion: require('@jupyterlab/application/package.json').version,
});

const seconds = ((performance.now() - started) / 1000).toFixed(1);
const warnings = stats.toJson({ all: false, warnings: true }).warnings ?? [];
console.log(`dist/lab built in ${seconds} s: ${manifest.size.files} files, ${(manifest.size.bytes / 2 ** 20).toFixed(1)} MiB (entry ${(entry.length / 2 ** 20).toFixed(1)} MiB), ${warnings.length} warnings`);
