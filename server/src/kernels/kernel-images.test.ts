import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelImages, kernelspecName, newestOffered, type KernelImage } from './kernel-images.js';
import { imageKernelArgv, kernelspecsFor } from './launch.js';
import { kernelConfigFrom, kernelSettings } from './settings.js';
import type { KernelImageRecord } from '../store/store.js';
import type { Context } from '../domain/context.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const settings = kernelSettings({ enabled: true, python: '/usr/bin/python3' });
const record = (c: string, more: Partial<KernelImageRecord> = {}): KernelImageRecord => ({ digest: digest(c), name: 'Python 3 · numpy', version: '1.0.0', offeredBy: 1, offeredAt: `2026-01-0${c === 'a' ? 1 : 2}T00:00:00.000Z`, withdrawnAt: null, ...more });

/** kernelImages over a store and an image store holding `stored`. */
async function imagesOf(records: KernelImageRecord[], stored: string[]): Promise<KernelImage[]> {
  const ctx = {
    store: { listKernelImages: async () => records },
    images: { get: async (d: string) => (stored.includes(d) ? { forms: { directory: `/data/images/${d.slice(7)}/rootfs` } } : null) },
  } as unknown as Pick<Context, 'store' | 'images'>;
  return kernelImages(ctx);
}

describe('kernel images as kernelspecs', () => {
  it('names each by its digest and says in its display name which image, withdrawn or gone', async () => {
    assert.equal(kernelspecName(digest('a')), 'narrative-python-aaaaaaaaaaaa');
    const images = await imagesOf([record('a', { withdrawnAt: '2026-01-03T00:00:00.000Z' }), record('b'), record('c')], [digest('a'), digest('b')]);
    assert.deepEqual(images.map((i) => i.displayName), [
      'Python 3 · numpy (sha256:aaaaaaaaaaaa…, withdrawn)',
      'Python 3 · numpy (sha256:bbbbbbbbbbbb…)',
      'Python 3 · numpy (sha256:cccccccccccc…, no longer on this server)',
    ]);
    assert.equal(newestOffered(images)?.digest, digest('b'), 'the newest offer still stored, never a withdrawn one');
  });

  it('offers the host python only while no image is ready, and lists withdrawn and gone images for the narratives pinned to them', async () => {
    const none = kernelspecsFor('/s', settings, [], { client: null, usable: () => true });
    assert.deepEqual([...none.specs.keys()], ['python3']);
    assert.equal(none.default, 'python3');
    assert.match(none.specs.get('python3')!.display_name, /no kernel image ready yet/);
    const images = await imagesOf([record('a', { withdrawnAt: '2026-01-03T00:00:00.000Z' }), record('b'), record('c')], [digest('a'), digest('b')]);
    const some = kernelspecsFor('/s', settings, images, { client: null, usable: () => true });
    assert.deepEqual([...some.specs.keys()], ['narrative-python-aaaaaaaaaaaa', 'narrative-python-bbbbbbbbbbbb', 'narrative-python-cccccccccccc']);
    assert.equal(some.default, 'narrative-python-bbbbbbbbbbbb');
    assert.deepEqual(some.specs.get('narrative-python-bbbbbbbbbbbb')!.metadata, { debugger: false, narrative: { image: digest('b') } });
    // An image this server cannot run (ch-run refused it) is left out, and the host's python stands in.
    const unusable = kernelspecsFor('/s', settings, images, { client: null, usable: () => false });
    assert.deepEqual([...unusable.specs.keys()], ['narrative-python-cccccccccccc', 'python3']);
  });

  it('runs a kernel in its image through the starter, without network, its user\'s directories at fixed paths, as one argv', () => {
    const argv = imageKernelArgv('/usr/bin/python3', '/d/run/jupyter/shared', { digest: digest('a'), rootfs: '/d/images/sha256/a/rootfs' }, { network: 'none', client: '/srv/server/python' });
    assert.deepEqual(argv.slice(0, 12), ['/usr/bin/python3', '/d/run/jupyter/shared/start-in-image.py', '{connection_file}', '/d/images/sha256/a/rootfs', digest('a'), '/run', '--', 'unshare', '--user', '--map-current-user', '--net', '--']);
    for (const bind of ['@RUN@:/run', '@TMP@:/tmp', '/srv/server/python:/mnt']) assert.equal(argv[argv.indexOf(bind) - 1], '-b', bind);
    assert.ok(argv.includes(`--set-env=NARRATIVE_KERNEL_IMAGE=${digest('a')}`));
    assert.ok(argv.includes('--set-env=PYTHONPATH=/mnt'));
    assert.deepEqual(argv.slice(argv.indexOf('/d/images/sha256/a/rootfs', 5)), ['/d/images/sha256/a/rootfs', '--', 'python3', '-m', 'ipykernel_launcher', '-f', '/run/@CONNECTION_FILE_NAME@']);
    const host = imageKernelArgv('/usr/bin/python3', '/s', { digest: digest('a'), rootfs: '/r' }, { network: 'host', client: null });
    assert.equal(host[7], 'ch-run', 'the host network: no unshare');
    assert.ok(!host.some((a) => a.startsWith('--set-env=PYTHONPATH') || a.endsWith(':/mnt')), 'no client: no bind, no PYTHONPATH');
  });

  it('reads the images folder and the network from the environment', () => {
    assert.equal(kernelConfigFrom({}).network, 'none');
    assert.match(kernelConfigFrom({}).imagesDir!, /apps-catalog\/kernels$/);
    assert.equal(kernelConfigFrom({ NARRATIVE_KERNEL_NETWORK: 'host', NARRATIVE_KERNEL_IMAGES_DIR: '/k' }).network, 'host');
    assert.equal(kernelConfigFrom({ NARRATIVE_KERNEL_IMAGES_DIR: '/k' }).imagesDir, '/k');
    assert.throws(() => kernelConfigFrom({ NARRATIVE_KERNEL_NETWORK: 'some' }), /NARRATIVE_KERNEL_NETWORK/);
  });
});
