import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppRecord } from '../store.js';
import type { ContractPart } from './harness.js';
import { app, at, user } from './seed.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** Registered app versions: a spec never changes once registered; only the channel and deprecation move. */
export const appsContract: ContractPart = ({ fresh }) => {
  describe('apps', () => {
    it('keeps a registered version whole, found by id and version', async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      const registered = app(dev, 'demo/echo', '1.2.3-rc.1', { channel: 'beta', registeredAt: at(7) });
      await store.registerApp(registered);
      assert.deepEqual(await store.getApp('demo/echo', '1.2.3-rc.1'), registered);
      assert.equal(await store.getApp('demo/echo', '1.2.4'), undefined);
      assert.equal(await store.getApp('demo/other', '1.2.3-rc.1'), undefined);
    });

    it('refuses to register a version again, keeping the first spec', async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      const first = app(dev);
      await store.registerApp(first);
      await assert.rejects(store.registerApp({ ...first, spec: { ...first.spec, description: 'changed' } }));
      assert.deepEqual(await store.getApp(first.id, first.version), first);
    });

    it('lists every registered version, in registration order', async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      const order: [string, string][] = [['demo/zeta', '2.0'], ['demo/alpha', '1.0'], ['demo/zeta', '1.0']];
      for (const [i, [id, v]] of order.entries()) await store.registerApp(app(dev, id, v, { registeredAt: at(i) }));
      assert.deepEqual((await store.listApps()).map((a) => [a.id, a.version]), order);
    });

    it('moves one version between channels, leaving the others', async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      await store.registerApp(app(dev, 'demo/echo', '1.0'));
      await store.registerApp(app(dev, 'demo/echo', '2.0', { registeredAt: at(1) }));
      for (const channel of ['beta', 'release', 'dev'] as const) {
        await store.setAppChannel('demo/echo', '1.0', channel);
        assert.equal((await store.getApp('demo/echo', '1.0'))?.channel, channel);
      }
      await store.setAppChannel('demo/echo', '1.0', 'release');
      assert.deepEqual((await store.listApps()).map((a) => a.channel), ['release', 'dev']);
    });

    it('deprecates one version with a time and a reason; its spec stays', async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      const old = app(dev, 'demo/echo', '1.0');
      await store.registerApp(old);
      await store.registerApp(app(dev, 'demo/echo', '2.0', { registeredAt: at(1) }));
      await store.deprecateApp('demo/echo', '1.0', { at: at(9), reason: 'use 2.0: 1.0 drops empty lines' });
      assert.deepEqual(await store.getApp('demo/echo', '1.0'), { ...old, deprecated: { at: at(9), reason: 'use 2.0: 1.0 drops empty lines' } });
      assert.equal((await store.getApp('demo/echo', '2.0'))?.deprecated, null);
    });
  });

  describe('app images', () => {
    it('keeps a stored image (by digest alone) and an operator-placed image (digest, format, location) exactly', async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      const images: AppRecord['spec']['container']['image'][] = [
        { digest: digest('b') },
        { digest: digest('c'), format: 'sif', location: '/cvmfs/images/echo.sif' },
        { digest: digest('d'), format: 'docker-image', location: 'sha256:0123' },
      ];
      for (const [i, image] of images.entries()) {
        const registered = app(dev, 'demo/echo', `1.${i}`);
        await store.registerApp({ ...registered, spec: { ...registered.spec, container: { image } } });
      }
      assert.deepEqual((await store.listApps()).map((a) => a.spec.container.image), images);
    });

    it("keeps an image's build recipe", async () => {
      const store = await fresh();
      const dev = await user(store, 'dev', 'developer');
      const registered = app(dev);
      const recipe = { suite: 'bookworm', variant: 'minbase' as const, packages: ['python3=3.11.2-1+b1'], sourceDateEpoch: 1_700_000_000, files: { 'echo.py': '/app/echo.py' } };
      const spec = { ...registered.spec, container: { image: { digest: digest('e') }, recipe } };
      await store.registerApp({ ...registered, spec });
      assert.deepEqual((await store.getApp(registered.id, registered.version))?.spec.container, spec.container);
    });
  });
};
