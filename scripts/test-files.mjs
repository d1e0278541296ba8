// The compiled test files and the tier of each, for scripts/run-tests.mjs. A tier is decided by the
// path of the file's TypeScript source, which is what a developer sees:
//   browser:     test/browser/
//   integration: test/integration/, and `*.integration.test.ts` anywhere (a package test that needs
//                a real cluster, engine or container runtime)
//   unit:        every other `*.test.ts`, beside its source in a package
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TIERS = ['unit', 'integration', 'browser'];

/** Each workspace's compiler output directory (labextension compiles to lib/, the others to dist/). */
const OUTPUTS = ['server/dist', 'launcher-native/dist', 'apps-catalog/dist', 'labextension/lib', 'test/dist'];

/**
 * Files that want the whole machine, run with no other beside them: they build images, run the real
 * assemblers, or drive Chromium, and two of them at once on two cores would only trade places on the
 * CPU, with their waits running out. Every other file shares the machine with one more.
 */
const ALONE = ['test/integration/real-apps.test.ts', 'test/integration/verify-image.test.ts', 'test/integration/kernel-image.test.ts', 'test/integration/bundled-apps.test.ts'];

export function runsAlone(test) {
  return test.tier === 'browser' || ALONE.includes(test.source);
}

export function tierOf(source) {
  if (source.startsWith('test/browser/')) return 'browser';
  if (source.startsWith('test/integration/') || /\.integration\.test\.[jt]s$/.test(source)) return 'integration';
  return 'unit';
}

function compiledTests(dir) {
  let found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = found.concat(compiledTests(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

/** The source a compiled file came from, by its source map; without one, its path minus the output directory. */
function sourceOf(file, output) {
  try {
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
    return relative(root, resolve(dirname(file), map.sourceRoot ?? '', map.sources[0]));
  } catch {
    return join(dirname(output), relative(join(root, output), file));
  }
}

/**
 * Every compiled test file as { file, source, name, tier }, sorted. A file whose source is gone (a test
 * renamed or deleted since the last build: tsc -b never removes outputs) is left out, with a note.
 */
export function findTests() {
  const tests = [];
  for (const output of OUTPUTS.filter((o) => existsSync(join(root, o)))) {
    for (const file of compiledTests(join(root, output))) {
      const source = sourceOf(file, output);
      if (source.endsWith('.ts') && !existsSync(join(root, source))) {
        process.stdout.write(`# not running ${relative(root, file)}: its source ${source} is gone (delete the file)\n`);
        continue;
      }
      tests.push({ file, source, name: relative(root, file), tier: tierOf(source) });
    }
  }
  return tests.sort((a, b) => a.source.localeCompare(b.source));
}
