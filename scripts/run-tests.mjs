#!/usr/bin/env node
// Runs every compiled test file (`*.test.js` under a package's dist/) with node's own test runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['server', 'launcher-native', 'apps-catalog', 'test'];

function findTests(dir) {
  let found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const filter = process.argv[2];
const files = packages
  .map((pkg) => join(root, pkg, 'dist'))
  .filter((dir) => { try { return statSync(dir).isDirectory(); } catch { return false; } })
  .flatMap(findTests)
  .filter((file) => !filter || file.includes(filter))
  .sort();
if (files.length === 0) {
  process.stderr.write('no test files found: did the build run?\n');
  process.exit(1);
}
process.stdout.write(`running ${files.length} test files: ${files.map((f) => relative(root, f)).join(', ')}\n`);
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, NARRATIVE_LOG_LEVEL: process.env.NARRATIVE_LOG_LEVEL ?? 'silent' },
});
process.exit(result.status ?? 1);
