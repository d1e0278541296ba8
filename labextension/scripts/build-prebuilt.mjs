// Builds the prebuilt (federated) extension for stock JupyterLab 4.6 into
// dist/prebuilt (package.json `jupyterlab.outputDir`). build-labextension
// needs the core app's package.json: @jupyterlab/core-meta ships it as
// core.package.json (the metapackage does not work as a core path).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = fileURLToPath(new URL('..', import.meta.url));
const corePath = fs.mkdtempSync(path.join(os.tmpdir(), 'jupyterlab-core-'));
try {
  fs.copyFileSync(require.resolve('@jupyterlab/core-meta/core.package.json'), path.join(corePath, 'package.json'));
  const buildLabextension = require.resolve('@jupyterlab/builder/lib/build-labextension.js');
  execFileSync(process.execPath, [buildLabextension, '--core-path', corePath, here], { stdio: 'inherit' });
} finally {
  fs.rmSync(corePath, { recursive: true, force: true });
}
