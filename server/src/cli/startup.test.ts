import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
/** The server package's compiled output: the CLI's own modules and the light ones they share with the server. */
const DIST = new URL('../', import.meta.url).href;

/** The repository's root: its other packages (launcher-native) are linked, and load from there. */
const ROOT = new URL('../../../', import.meta.url).href;
/** A package by its name, a file of another package of the repository by that package's folder. */
const packageOf = (url: string) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? (url.startsWith(ROOT) ? url.slice(ROOT.length).split('/')[0]! : url);

/** A module hook that writes down every module the process resolves, one URL a line. */
const RECORDER = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.NARRATIVE_TEST_MODULES, resolved.url + '\\n');
  return resolved;
}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the process loaded apart from Node's own modules and the server's compiled files: packages by name, other files by URL. */
  foreign: string[];
}

/**
 * Starting `narrative` must load commander and the server's compiled files
 * alone: the launcher package (dockerode, gRPC, ssh2), TypeBox, ajv, the
 * server's web stack and progress bars cost over half a second at every
 * command, so the commands that use them import() them (see main.ts).
 */
describe('narrative CLI start-up', () => {
  let dir: string;
  let register: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-cli-startup-'));
    await writeFile(join(dir, 'recorder.mjs'), RECORDER);
    register = join(dir, 'register.mjs');
    await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'recorder.mjs')).href)});\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function narrative(...args: string[]): Promise<Run> {
    const list = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
    const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, MAIN, ...args], {
      env: { ...process.env, NARRATIVE_TEST_MODULES: list, NARRATIVE_HOME: dir, NARRATIVE_URL: 'http://127.0.0.1:1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    const loaded = (await readFile(list, 'utf8')).split('\n').filter(Boolean);
    const foreign = [...new Set(loaded.filter((url) => !url.startsWith('node:') && !url.startsWith(DIST)).map(packageOf))].filter((name) => name !== 'commander');
    return { code, stdout, stderr, foreign };
  }

  it('prints its version with commander alone', async () => {
    const run = await narrative('--version');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\d+\.\d+\.\d+/);
    assert.deepEqual(run.foreign, []);
  });

  it("prints a command's help, and a usage error, without the command's implementation", async () => {
    const help = await narrative('app', 'register', '--help');
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: narrative app register \[options\] <spec>/);
    assert.match(help.stdout, /--build <dir>/);
    assert.deepEqual(help.foreign, []);
    const usage = await narrative('app', 'register');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument 'spec'/);
    assert.deepEqual(usage.foreign, []);
  });

  it('runs a client command through the REST client alone', async () => {
    const asked: string[] = [];
    const server = createServer((request, response) => {
      asked.push(`${request.method} ${request.url}`);
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such app' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const run = await narrative('--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '--token', 'a-token', 'app', 'show', 'genomics/megahit');
      assert.equal(run.code, 1);
      assert.equal(run.stderr, 'narrative: Not Found: no such app\n');
      assert.equal(asked.length, 1);
      assert.match(asked[0]!, /^GET \/api\/v1\/apps\//);
      assert.deepEqual(run.foreign, []);
    } finally {
      server.close();
    }
  });
});
