import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ARCHIVE_FILE, BUILD_FILE, loadAppSource, sourceDigest, specToRegister } from '../cli/app-source.js';
import { loadConfig } from '../config.js';
import { registerApp } from '../domain/apps.js';
import type { Context } from '../domain/context.js';
import type { Caller } from '../domain/permissions.js';
import { TypeRegistry } from '../domain/types-registry.js';
import type { ImageStore } from '../images/image-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { listBundledApps } from './app-list.js';
import { BuildCache } from './build-cache.js';
import { BundledAppBuilder } from './bundled-apps.js';
import { parseBundledSpec } from './bundled-spec.js';
import { BundledProgress } from './progress.js';
import { aloneCoordination } from '../store/coordination.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const RECIPE = { suite: 'bookworm', variant: 'minbase', packages: ['jq=1.6-2.1+deb12u3'], sourceDateEpoch: 1735689600, files: {} };
const APP = {
  id: 'test/tool', version: '1.0.0', name: 'Tool', description: 'a test app', inputs: [], params: { type: 'object', properties: {} }, outputs: [],
  resources: { cpus: 1, memoryMiB: 64, timeMinutes: 1 }, container: { recipe: 'recipe.json' }, argv: ['/app/run'],
};

/** An image store that keeps digests only, refusing the first `refusals` archives as a damaged one would be. */
function fakeImages(refusals = 0): ImageStore & { added: string[] } {
  const added: string[] = [];
  let refuse = refusals;
  return {
    added,
    get: async (digest: string) => (added.includes(digest) ? { digest } : null),
    add: async (source: Readable, digest: string) => {
      for await (const _ of source) void _;
      if (refuse-- > 0) throw new Error('the archive is cut short');
      added.push(digest);
      return { image: { digest }, created: true };
    },
  } as unknown as ImageStore & { added: string[] };
}

describe('building and registering the bundled apps', () => {
  let dir: string;
  let store: Store;
  let admin: Caller;
  const logger = pino({ level: 'silent' });
  let versions = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-bundled-test-'));
    store = await openSqliteStore(join(dir, 'narrative.sqlite'));
    const user = await store.createUser({ name: 'admin', role: 'admin', passwordHash: null, createdAt: new Date().toISOString() });
    admin = { id: user.id, name: user.name, role: user.role };
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const contextWith = (images: ImageStore): Context => ({
    store, images, types: new TypeRegistry(loadConfig().typesDir), blobs: null as unknown as Context['blobs'], limits: loadConfig().limits, now: () => new Date().toISOString(), execution: null, coordination: aloneCoordination(),
  });

  /** A bundled-apps folder of one app (changed by `edit`), with a build of it in the cache as `narrative app build` leaves one. */
  async function setUp(name: string, edit: (app: Record<string, unknown>) => void = () => undefined) {
    const apps = join(dir, name, 'apps');
    await mkdir(join(apps, 'tool'), { recursive: true });
    const app = structuredClone(APP) as Record<string, unknown>;
    // A version of its own: every test registers into the one database.
    app['version'] = `1.0.${++versions}`;
    edit(app);
    await writeFile(join(apps, 'tool', 'app.json'), JSON.stringify(app));
    await writeFile(join(apps, 'tool', 'recipe.json'), JSON.stringify(RECIPE));
    const cache = new BuildCache(join(dir, name, 'cache'));
    await mkdir(cache.folderOf('tool'), { recursive: true, mode: 0o700 });
    const source = await loadAppSource(join(apps, 'tool'));
    await writeFile(join(cache.folderOf('tool'), BUILD_FILE), JSON.stringify({ digest: DIGEST, sourceDigest: await sourceDigest(source, source.recipe!) }));
    await writeFile(join(cache.folderOf('tool'), ARCHIVE_FILE), 'an archive');
    const listed = await listBundledApps(apps);
    assert.deepEqual(listed.problems, []);
    return { apps, cache, listed: listed.apps };
  }

  async function runToTheEnd(builder: BundledAppBuilder) {
    await builder.markRegistered();
    builder.start();
    for (let i = 0; i < 600 && !builder.progress.snapshot().done; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await builder.stop();
    return builder.progress.snapshot().apps[0]!;
  }

  const builderOf = (ctx: Context, cache: BuildCache, listed: Awaited<ReturnType<typeof setUp>>['listed']) => {
    const progress = new BundledProgress(true, '');
    for (const app of listed) progress.add(app);
    return new BundledAppBuilder(ctx, progress, listed, { cache, privateCache: false, examples: null, logger });
  };

  it('registers a cached build straight into release, its spec as POST /apps would store it', async () => {
    const { cache, listed } = await setUp('release');
    const ctx = contextWith(fakeImages());
    const app = await runToTheEnd(builderOf(ctx, cache, listed));
    assert.equal(app.state, 'ready', JSON.stringify(app));
    const stored = await store.getApp('test/tool', app.version);
    assert.equal(stored?.channel, 'release');
    assert.equal(stored?.registeredBy, admin.id);
    assert.equal(stored?.spec.deterministic, true, 'the defaults filled in');
    assert.deepEqual(stored?.spec.categories, []);
    // `narrative app register` of the same directory and build: the same spec, not a 409.
    const { spec } = await specToRegister(listed[0]!.source, cache.folderOf('tool'));
    assert.equal((await registerApp(ctx, admin, parseBundledSpec(spec))).created, false);
  });

  it('releases at the next start a bundled app an earlier start left in dev', async () => {
    const { cache, listed } = await setUp('dev');
    const ctx = contextWith(fakeImages());
    const { spec } = await specToRegister(listed[0]!.source, cache.folderOf('tool'));
    await ctx.images.add((async function* () {})() as unknown as Readable, DIGEST);
    await registerApp(ctx, admin, parseBundledSpec(spec));
    assert.equal((await store.getApp('test/tool', listed[0]!.version))?.channel, 'dev');
    const builder = builderOf(ctx, cache, listed);
    await builder.markRegistered();
    assert.equal(builder.progress.snapshot().apps[0]!.state, 'ready');
    assert.equal((await store.getApp('test/tool', listed[0]!.version))?.channel, 'release');
  });

  it('forgets a cached build the image store refuses and builds the app again, once', async () => {
    const { apps, cache, listed } = await setUp('refused');
    // The new build fails before mmdebstrap: the recipe the runner reads now has a package without its version.
    await writeFile(join(apps, 'tool', 'recipe.json'), JSON.stringify({ ...RECIPE, packages: ['jq'] }));
    const images = fakeImages(1);
    const app = await runToTheEnd(builderOf(contextWith(images), cache, listed));
    assert.equal(app.state, 'failed');
    assert.match(app.error ?? '', /not a valid recipe/, 'the failure is the new build\'s');
    assert.deepEqual(await readdir(cache.dir), [], 'the refused build is gone, and the new one left nothing');
  });

  it('fails an app whose app.json the catalog would refuse before building it, in words', async () => {
    const { cache, listed } = await setUp('invalid', (app) => {
      delete app['resources'];
      app['network'] = 'yes';
    });
    const images = fakeImages();
    const app = await runToTheEnd(builderOf(contextWith(images), cache, listed));
    assert.equal(app.state, 'failed');
    assert.match(app.error ?? '', /not a valid app spec: .*\/resources is required.*\/network must be boolean/);
    assert.deepEqual(images.added, []);
  });

  it('builds nothing from a build cache others may write to, and says so', async () => {
    const { cache, listed } = await setUp('unsafe');
    await chmod(cache.dir, 0o777);
    const images = fakeImages();
    const app = await runToTheEnd(builderOf(contextWith(images), cache, listed));
    assert.equal(app.state, 'failed');
    assert.match(app.error ?? '', /the build cache cannot be used: others may write to the build cache/);
    assert.deepEqual(images.added, []);
  });
});
