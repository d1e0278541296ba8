import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { bundleStaleness, wrapperProgram } from './execution.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('which job wrapper file jobs run', () => {
  let dir: string;
  let compiled: string;
  let bundle: string;

  /** A compiled wrapper of two modules, one under node_modules, bundled, with the record the bundling script writes. */
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-wrapper-bundle-'));
    await mkdir(join(dir, 'dist', 'wrapper'), { recursive: true });
    await mkdir(join(dir, 'node_modules', 'lib'), { recursive: true });
    compiled = join(dir, 'dist', 'wrapper', 'main.js');
    bundle = join(dir, 'dist', 'wrapper', 'bundle.mjs');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function bundled(record: (inputs: Record<string, string>) => unknown = (inputs) => ({ recipe: 'r', bundle: sha256('bundle v1'), inputs })) {
    const files: Record<string, string> = { 'main.js': 'main v1', '../../node_modules/lib/index.js': 'lib v1' };
    for (const [file, text] of Object.entries(files)) await writeFile(join(dirname(compiled), file), text);
    await writeFile(bundle, 'bundle v1');
    const inputs = Object.fromEntries(Object.entries(files).map(([file, text]) => [file, sha256(text)]));
    await writeFile(join(dirname(bundle), 'bundle.inputs.json'), JSON.stringify(record(inputs)));
  }

  function warnings() {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push((JSON.parse(line) as { msg: string }).msg) });
    return { logger, lines };
  }

  it('is the bundle while every file it was made from is as it was', async () => {
    await bundled();
    assert.equal(bundleStaleness(bundle, compiled), null);
    const { logger, lines } = warnings();
    assert.equal(wrapperProgram(logger, compiled), bundle);
    assert.deepEqual(lines, []);
  });

  it('is the compiled wrapper, saying so once, after tsc rebuilt main.js alone', async () => {
    await bundled();
    await writeFile(compiled, 'main v2');
    const { logger, lines } = warnings();
    assert.equal(wrapperProgram(logger, compiled), compiled);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /unbundled job wrapper.*main\.js is not as it was when the bundle was made.*npm run build/);
  });

  it('is the compiled wrapper after a dependency changed, whatever its date', async () => {
    await bundled();
    await writeFile(join(dir, 'node_modules', 'lib', 'index.js'), 'lib v2');
    assert.match((bundleStaleness(bundle, compiled)) ?? '', /node_modules\/lib\/index\.js is not as it was/);
  });

  it('is the compiled wrapper when an input has gone, or the bundle is not the one recorded', async () => {
    await bundled();
    await rm(join(dir, 'node_modules', 'lib', 'index.js'));
    assert.match((bundleStaleness(bundle, compiled)) ?? '', /index\.js is not as it was/);
    await bundled();
    await writeFile(bundle, 'bundle v0');
    assert.match((bundleStaleness(bundle, compiled)) ?? '', /bundle\.mjs is not as it was/);
  });

  it('is the compiled wrapper without a record, or with one of another entry or no bundle hash', async () => {
    await bundled();
    await rm(join(dirname(bundle), 'bundle.inputs.json'));
    assert.equal(bundleStaleness(bundle, compiled), 'it has not been bundled');
    await bundled((inputs) => ({ bundle: sha256('bundle v1'), inputs: { ...inputs, 'main.js': undefined } }));
    assert.equal(bundleStaleness(bundle, compiled), 'the bundle was not made from it');
    await bundled((inputs) => ({ inputs }));
    assert.match((bundleStaleness(bundle, compiled)) ?? '', /bundle\.mjs is not as it was/);
    await writeFile(join(dirname(bundle), 'bundle.inputs.json'), '{"inputs":');
    assert.equal(bundleStaleness(bundle, compiled), 'it has not been bundled');
  });

  it('is the bundle of this tree once the set-up bundled it', async () => {
    const real = fileURLToPath(import.meta.resolve('@narrative/launcher-native/wrapper'));
    execFileSync(process.execPath, [join(dirname(real), '..', '..', 'scripts', 'bundle-wrapper.mjs')], { stdio: 'inherit' });
    assert.equal(wrapperProgram(), join(dirname(real), 'bundle.mjs'));
  });
});
