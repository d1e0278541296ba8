import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig, startServer, type Config, type RunningServer } from '@narrative/server';
import { ApiError, APP_STILL_BEING_BUILT, NarrativeClient, type BundledApps } from '@narrative/server/client';
import { BUILT_APPS_CACHE } from '../support/built-apps.js';
import { needs } from '../support/prerequisites.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APPS = join(ROOT, 'apps-catalog', 'apps');
const TITLE = 'Example: assemble a genome';
/** The failing app's folder, which is its key in the shared build cache: this run's own, so runs side by side never meet. */
const UNBUILDABLE = `megahit-unbuildable-${process.pid}`;
/** A cold build of assembly-stats takes about a minute; a warm one is only stored and registered. */
const DONE_WITHIN_MS = 12 * 60_000;

/**
 * The bundled apps on a first start, with a bundled-apps folder of two: a
 * copy of assembly-stats (built once and kept in the build cache the other
 * tests share) and MEGAHIT with a recipe pinning a version Debian does not
 * have, whose build is refused before mmdebstrap starts. The progress
 * endpoint shows both; the failure says why and the server serves on; each
 * new user is given the example narrative once; a restart (the recipe fixed)
 * registers nothing twice and stops the build under way when it closes.
 */
describe('bundled apps on a first start', { skip: needs("Debian's mmdebstrap (npm run setup installs it)", existsSync('/usr/bin/mmdebstrap')) }, () => {
  let home: string;
  let bundledDir: string;
  let server: RunningServer | null = null;
  let config: Config;
  const client = (token?: string) => new NarrativeClient({ url: server!.url, ...(token ? { token } : {}) });
  let admin: NarrativeClient;
  let early: NarrativeClient;

  const waitUntilDone = async (c: NarrativeClient): Promise<BundledApps> => {
    const until = Date.now() + DONE_WITHIN_MS;
    for (;;) {
      const status = await c.bundledApps();
      if (status.done) return status;
      if (Date.now() > until) assert.fail(`not done after ${DONE_WITHIN_MS} ms: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  const signIn = async (name: string, password: string) => {
    const response = await fetch(`${server!.url}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
    assert.equal(response.status, 200, await response.text());
  };
  const examplesOf = async (c: NarrativeClient) => (await c.listNarratives()).filter((n) => n.title === TITLE);

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'narrative-bundled-'));
    bundledDir = await mkdtemp(join(tmpdir(), 'narrative-bundled-apps-'));
    await cp(join(APPS, 'assembly-stats'), join(bundledDir, 'assembly-stats'), { recursive: true });
    // Its own folder name: the cache's key, so the real MEGAHIT's cached build is neither used nor locked.
    await cp(join(APPS, 'megahit'), join(bundledDir, UNBUILDABLE), { recursive: true });
    const recipe = JSON.parse(await readFile(join(APPS, 'megahit', 'recipe.json'), 'utf8')) as { packages: string[] };
    recipe.packages = recipe.packages.map((p) => (p.startsWith('megahit=') ? 'megahit=0.0-nonexistent' : p));
    await writeFile(join(bundledDir, UNBUILDABLE, 'recipe.json'), JSON.stringify(recipe));
    config = loadConfig({
      home, port: 0, logLevel: 'silent', kernels: { enabled: false, python: '/usr/bin/python3' },
      bundledApps: 'on', bundledAppsDir: bundledDir, buildCache: BUILT_APPS_CACHE,
    });
    server = await startServer(config);
    admin = client(server.adminToken!);
  });
  after(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
    await rm(bundledDir, { recursive: true, force: true });
  });

  it('lists the bundled apps in build order for any signed-in user, the example\'s first; an app not ready yet is "still being built"', async () => {
    const { token } = await admin.createUser('early', 'user', 'early-password');
    early = client(token);
    const status = await early.bundledApps();
    assert.equal(status.enabled, true);
    assert.deepEqual(status.apps.map((a) => `${a.id}@${a.version}`), ['genomics/megahit@1.2.9', 'genomics/assembly-stats@2.3.1']);
    assert.deepEqual(Object.keys(status.apps[0]!).sort(), ['error', 'id', 'message', 'name', 'percent', 'state', 'version'], 'what the schema says, nothing of the server\'s own');
    const stats = status.apps[1]!;
    if (stats.state !== 'ready') {
      // Still on its way: a cell naming it is told so (as the example narrative's cells are).
      const refused = await client(token).app('genomics/assembly-stats', '2.3.1').then(() => null, (e: unknown) => e);
      assert.ok(refused instanceof ApiError && refused.status === 404, String(refused));
      assert.match(refused.problem.detail, /still being built/);
    }
    await assert.rejects(client().bundledApps(), (e: unknown) => e instanceof ApiError && e.status === 401);
  });

  it('gives each new user the example narrative once: the reads uploaded, the cells naming the bundled versions', async () => {
    const { token } = await admin.createUser('newcomer', 'user', 'newcomer-password');
    const newcomer = client(token);
    const [example, ...more] = await examplesOf(newcomer);
    assert.ok(example, 'the narratives panel lists it');
    assert.equal(more.length, 0);
    assert.equal(example.owner, 'newcomer');
    const notebook = (await newcomer.notebook(example.id)) as { cells: { cell_type: string; source: string; metadata: { narrative?: { app?: { id: string; version: string; inputs: Record<string, string> } } } }[] };
    assert.equal(notebook.cells[0]!.cell_type, 'markdown');
    const apps = notebook.cells.flatMap((c) => (c.metadata.narrative?.app ? [c.metadata.narrative.app] : []));
    assert.deepEqual(apps.map((a) => `${a.id}@${a.version}`), ['genomics/megahit@1.2.9', 'genomics/assembly-stats@2.3.1'], 'only the bundled ones, in order');
    const reads = await newcomer.getObject(apps[0]!.inputs['reads']!);
    assert.equal(reads.type, 'Genomics.Reads-1.0');
    const { makeReads } = (await import(join(ROOT, 'apps-catalog', 'test-data', 'make-reads.mjs'))) as { makeReads: (o: { seed: number }) => string };
    assert.equal(reads.files[0]!.sha256, createHash('sha256').update(makeReads({ seed: 7 })).digest('hex'), "the tests' reads (seed 7)");
    assert.deepEqual((await newcomer.listObjects(example.wsid)).items.map((o) => o.name).sort(), ['example-reads.fastq', 'narrative']);
    // Signing in again (and again) gives no second one; nor does signing in after deleting it.
    await signIn('newcomer', 'newcomer-password');
    await signIn('newcomer', 'newcomer-password');
    assert.equal((await examplesOf(newcomer)).length, 1);
    await newcomer.deleteNarrative(example.id);
    await signIn('newcomer', 'newcomer-password');
    assert.equal((await examplesOf(newcomer)).length, 0);
  });

  it("registers what builds (as the first admin, released), reports the failure with its error, and serves on", async () => {
    const status = await waitUntilDone(admin);
    const [megahit, stats] = status.apps;
    assert.equal(megahit!.state, 'failed', JSON.stringify(megahit));
    assert.match(megahit!.error ?? '', /megahit=0\.0-nonexistent \(the sources have [^)]+\)/, 'the error names the version apt does not carry, and the ones it does');
    assert.equal(stats!.state, 'ready', JSON.stringify(stats));
    assert.equal(stats!.percent, 100);
    const catalog = await admin.listApps({ deprecated: true });
    assert.deepEqual(catalog.map((a) => [`${a.id}@${a.version}`, a.channel, a.registeredBy]), [['genomics/assembly-stats@2.3.1', 'release', 'admin']]);
    const image = await admin.image(catalog[0]!.spec.container.image.digest);
    assert.ok(Object.keys(image.packages).includes('seqkit'), 'the image is in the image store, with its packages');
    const refused = await admin.app('genomics/megahit', '1.2.9').then(() => null, (e: unknown) => e);
    assert.ok(refused instanceof ApiError && refused.status === 404);
    assert.match(refused.problem.detail, /could not be built: /);
    assert.equal((await admin.health()).status, 'ok');
    // A user who is not an admin is told what failed in one line, without the server's paths.
    const told = (await early.bundledApps()).apps[0]!.error ?? '';
    assert.match(told, /could not|cannot|not carry/, told);
    assert.equal(told.includes('\n'), false, told);
    assert.doesNotMatch(told, /(^|\s)\/\w/, told);
    assert.deepEqual((await readdir(BUILT_APPS_CACHE)).filter((n) => n.startsWith(UNBUILDABLE)), [], 'a failed build leaves nothing in the cache');
  });

  it('on a restart registers nothing again, builds the failed app again once fixed, and stops that build when it stops', async () => {
    await server!.close();
    // A version Debian has: a real build, which runs long enough to be stopped.
    await cp(join(APPS, 'megahit', 'recipe.json'), join(bundledDir, UNBUILDABLE, 'recipe.json'));
    server = await startServer(config);
    admin = client(server.adminToken ?? (await readFile(join(home, 'admin-token'), 'utf8')).trim());
    const status = await admin.bundledApps();
    assert.equal(status.apps[1]!.state, 'ready', 'registered at the first start: ready at once');
    assert.ok(['waiting', 'building'].includes(status.apps[0]!.state), JSON.stringify(status.apps[0]));
    const until = Date.now() + 60_000;
    // Until the build's own first line: its child process is running.
    const building = async () => ((await admin.bundledApps()).apps[0]!.percent ?? 0) >= 2;
    while (!(await building()) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(await building(), 'the failed app is built again');
    // While it builds, a cell asking for it is told to wait, not that it is missing.
    const waiting = await admin.app('genomics/megahit', '1.2.9').then(() => null, (e: unknown) => e);
    assert.ok(waiting instanceof ApiError && waiting.status === 404, String(waiting));
    assert.equal(waiting.problem.title, APP_STILL_BEING_BUILT);
    assert.match(waiting.problem.detail, /still being built \(\d+ %\)/);
    const stopping = Date.now();
    await server.close();
    server = null;
    assert.ok(Date.now() - stopping < 15_000, `stopping took ${Date.now() - stopping} ms`);
    const leftovers = async () => (await readdir(BUILT_APPS_CACHE)).filter((n) => n.startsWith(UNBUILDABLE));
    for (let i = 0; i < 20 && (await leftovers()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await leftovers(), [], 'the stopped build took its staging and lock with it');
    // An install from before bundled apps (no mark of having begun with them): `auto` builds nothing there.
    await rm(join(home, 'bundled', 'began-with-bundled-apps'));
    server = await startServer({ ...config, bundledApps: 'auto' });
    admin = client((await readFile(join(home, 'admin-token'), 'utf8')).trim());
    assert.equal((await admin.listApps({ deprecated: true })).length, 1, 'one registration, whatever the restarts');
    const off = await admin.bundledApps();
    assert.equal(off.enabled, false);
    assert.match(off.message, /NARRATIVE_BUNDLED_APPS=on/);
  });
});
