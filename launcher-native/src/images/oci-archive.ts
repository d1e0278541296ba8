import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileDigest } from '../files/file-digest.js';

const run = promisify(execFile);

/**
 * GNU tar options that make the same tree give the same bytes: sorted names,
 * fixed times and owners, no atime/ctime in the pax headers. Owners are root
 * because runtimes map the image's root to the invoking account (podman rootless).
 */
const REPRODUCIBLE_TAR = [
  '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=posix',
  '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
];

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar';

const OCI_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * Packs a directory image into a single-layer OCI image archive (the layout
 * of the OCI image spec, tarred), which `podman run oci-archive:<file>` runs.
 * Written by hand rather than with `podman import`/`podman save`, so building
 * needs no container storage and the same tree gives the same bytes.
 */
export async function buildOciArchive(directory: string, file: string): Promise<{ location: string; digest: string }> {
  const work = await mkdtemp(join(dirname(file), '.layer-'));
  try {
    await tar(['-C', directory, '-cf', join(work, 'layer.tar'), '.']);
    return await packOciArchive(join(work, 'layer.tar'), file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Packs one uncompressed layer tar into an OCI image archive. The digest is
 * the image manifest's, as registries and `podman images --digests` name it:
 * the same layer bytes give the same digest.
 */
export async function packOciArchive(layerFile: string, file: string): Promise<{ location: string; digest: string }> {
  const work = await mkdtemp(join(dirname(file), '.oci-'));
  try {
    const blobs = join(work, 'layout', 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const addBlob = async (bytes: Buffer) => {
      const hex = createHash('sha256').update(bytes).digest('hex');
      await writeFile(join(blobs, hex), bytes, { mode: 0o644 });
      return { digest: `sha256:${hex}`, size: bytes.length };
    };

    // Uncompressed: the same digest is the layer's and its diff id, and the layer is copied once, not held in memory.
    const layerHex = await fileDigest(layerFile);
    const layerPath = join(blobs, layerHex);
    await copyFile(layerFile, layerPath);
    await chmod(layerPath, 0o644);
    const layer = { digest: `sha256:${layerHex}`, size: (await stat(layerPath)).size };
    const config = await addBlob(Buffer.from(JSON.stringify({
      architecture: OCI_ARCH[process.arch] ?? process.arch,
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    })));
    const manifest = await addBlob(Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_MEDIA_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: LAYER_MEDIA_TYPE, ...layer }],
    })));
    await writeFile(join(work, 'layout', 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await writeFile(join(work, 'layout', 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: MANIFEST_MEDIA_TYPE, ...manifest }],
    }));
    await chmod(join(work, 'layout'), 0o755);
    await tar(['-C', join(work, 'layout'), '-cf', file, 'oci-layout', 'index.json', 'blobs']);
    // Readable by the unprivileged account that runs podman.
    await chmod(file, 0o644);
    return { location: file, digest: manifest.digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function tar(args: string[]): Promise<void> {
  await run('tar', [...REPRODUCIBLE_TAR, ...args], { maxBuffer: 64 * 1024 * 1024 }).catch((error: Error) => {
    throw new Error(`tar failed (GNU tar is needed): ${error.message}`);
  });
}
