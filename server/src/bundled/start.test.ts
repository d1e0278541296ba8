import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.js';
import type { Context } from '../domain/context.js';
import type { ImageStore } from '../images/image-store.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { listBundledApps } from './app-list.js';
import { markNewDataDir } from './first-start.js';
import { createBundledApps } from './start.js';

const RECIPE = { suite: 'bookworm', variant: 'minbase', packages: ['jq=1.6-2.1+deb12u3'], sourceDateEpoch: 1735689600, files: {} };
const app = (id: string, container: unknown) => ({ id, version: '1.0.0', name: id, container });

describe('which bundled apps a server builds', () => {
  let dir: string;
  let store: Store;
  let ctx: Context;
  let apps: string;
  const logger = pino({ level: 'silent' });
  let kernels: string;
  const configFor = (home: string, bundledApps: Config['bundledApps']): Config =>
    loadConfig({ home, bundledApps, bundledAppsDir: apps, buildCache: join(dir, 'cache'), kernels: { enabled: true, python: '/usr/bin/python3', imagesDir: kernels } }, {});

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-bundled-start-'));
    store = await openSqliteStore(join(dir, 'narrative.sqlite'));
    ctx = { store, images: { get: async () => null } as unknown as ImageStore } as Context;
    apps = join(dir, 'apps');
    kernels = join(dir, 'kernels');
    await mkdir(join(kernels, 'python'), { recursive: true });
    await writeFile(join(kernels, 'python', 'kernel.json'), JSON.stringify({ id: 'kernel/python', name: 'Python', version: '1.0.0', container: { recipe: 'recipe.json' } }));
    await writeFile(join(kernels, 'python', 'recipe.json'), JSON.stringify(RECIPE));
    const folders: Record<string, unknown> = {
      good: app('test/good', { recipe: 'recipe.json' }),
      pinned: app('test/pinned', { recipe: 'recipe.json', image: { digest: `sha256:${'0'.repeat(64)}` } }),
      bare: app('test/bare', { image: { digest: `sha256:${'0'.repeat(64)}` } }),
    };
    for (const [folder, spec] of Object.entries(folders)) {
      await mkdir(join(apps, folder), { recursive: true });
      await writeFile(join(apps, folder, 'app.json'), JSON.stringify(spec));
      await writeFile(join(apps, folder, 'recipe.json'), JSON.stringify(RECIPE));
    }
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists as problems, before any build, an app with no recipe and one that also pins an image', async () => {
    const listed = await listBundledApps(apps);
    assert.deepEqual(listed.apps.map((a) => a.id), ['test/good']);
    assert.deepEqual(listed.problems, [
      'bare: its folder has no recipe: its app.json needs "container": {"recipe": "recipe.json"}',
      'pinned: its app.json names both an image (container.image) and a recipe: a bundled app is built from its recipe, so it must name no image',
    ]);
  });

  it('auto: builds nothing on a data directory from before, and says how to have them built', async () => {
    const home = join(dir, 'old-home');
    await mkdir(home);
    const status = (await createBundledApps(ctx, configFor(home, 'auto'), logger)).progress.snapshot();
    assert.equal(status.enabled, false);
    assert.deepEqual(status.apps, []);
    assert.match(status.message, /NARRATIVE_BUNDLED_APPS=on builds and registers them/);
  });

  it('auto: builds on a data directory that began with the bundled apps, start after start; on: on any', async () => {
    const home = join(dir, 'new-home');
    await markNewDataDir(home);
    for (let start = 0; start < 2; start++) {
      const status = (await createBundledApps(ctx, configFor(home, 'auto'), logger)).progress.snapshot();
      assert.equal(status.enabled, true);
      // The kernel image right after the first app.
      assert.deepEqual(status.apps.map((a) => `${a.id} ${a.state}`), ['test/good waiting', 'kernel/python waiting']);
    }
    const old = join(dir, 'old-home');
    assert.equal((await createBundledApps(ctx, configFor(old, 'on'), logger)).progress.snapshot().enabled, true);
  });
});
