import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildOciArchive } from './oci-archive.js';
import { InvalidImage, unpackOciArchive } from './oci-unpack.js';

const run = promisify(execFile);

describe('OCI archive unpacking: checked against its digest', () => {
  let dir: string;
  let archive: string;
  let digest: string;
  let layerHex: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-oci-unpack-'));
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'app'), { recursive: true });
    await writeFile(join(tree, 'app', 'run.sh'), '#!/bin/sh\necho hello\n');
    ({ location: archive, digest } = await buildOciArchive(tree, join(dir, 'image.oci.tar')));
    const layout = await unpackedLayout(archive, 'layout-original');
    const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as { layers: { digest: string }[] };
    layerHex = manifest.layers[0]!.digest.slice(7);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The archive's members, unpacked into a fresh directory to be tampered with. */
  async function unpackedLayout(file: string, name: string): Promise<string> {
    const layout = join(dir, name);
    await mkdir(layout);
    await run('tar', ['-xf', file, '-C', layout]);
    return layout;
  }

  async function repacked(layout: string, name: string): Promise<string> {
    const file = join(dir, name);
    await run('tar', ['-C', layout, '-cf', file, ...(await readdir(layout))]);
    return file;
  }

  it('unpacks the layer of an archive that is what its digest says', async () => {
    const work = await mkdtemp(join(dir, 'work-'));
    const { rootfs, layerDigest } = await unpackOciArchive(archive, digest, work);
    assert.equal(layerDigest, `sha256:${layerHex}`);
    assert.equal(await readFile(join(rootfs, 'app', 'run.sh'), 'utf8'), '#!/bin/sh\necho hello\n');
  });

  it('refuses a layer whose bytes are not its digest, even though they unpack', async () => {
    const layout = await unpackedLayout(archive, 'layout-swapped');
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'planted'), 'not the image\n');
    await run('tar', ['-C', other, '-cf', join(layout, 'blobs', 'sha256', layerHex), '.']);
    const swapped = await repacked(layout, 'swapped.oci.tar');
    const refusal = await unpackOciArchive(swapped, digest, await mkdtemp(join(dir, 'work-'))).then(() => null, (error: Error) => error);
    assert.ok(refusal instanceof InvalidImage, String(refusal));
    assert.match(refusal.message, new RegExp(`layer blob sha256:${layerHex} holds content of sha256:`));
  });

  it('refuses an archive without its layer blob, naming it', async () => {
    const layout = await unpackedLayout(archive, 'layout-missing');
    await rm(join(layout, 'blobs', 'sha256', layerHex));
    const missing = await repacked(layout, 'missing.oci.tar');
    const work = await mkdtemp(join(dir, 'work-'));
    const refusal = await unpackOciArchive(missing, digest, work).then(() => null, (error: Error) => error);
    assert.ok(refusal instanceof InvalidImage, String(refusal));
    assert.match(refusal.message, new RegExp(`lacks the layer blob sha256:${layerHex}`));
    assert.equal(await stat(join(work, 'rootfs')).catch(() => null), null, 'nothing was unpacked');
  });
});
