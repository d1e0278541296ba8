import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE } from './oci-archive.js';
import { fileDigest } from '../files/file-digest.js';

const run = promisify(execFile);
const LISTING_BUFFER = 256 * 1024 * 1024;

export class InvalidImage extends Error {}

interface Descriptor {
  mediaType?: string;
  digest?: string;
}

/**
 * Checks an OCI image archive against the digest it claims and unpacks its
 * layer as a root file system: the manifest must have that digest, every blob
 * must match its own, and the layer may hold only files, directories and links
 * inside the root. Anything else is refused before a byte is unpacked; a
 * layer whose bytes are not its digest's is refused once unpacked, so the
 * caller's work directory must be discarded on any error.
 */
export async function unpackOciArchive(archive: string, digest: string, work: string): Promise<{ rootfs: string; layerDigest: string }> {
  const layout = join(work, 'layout');
  const rootfs = join(work, 'rootfs');
  await mkdir(layout, { recursive: true });
  // Only plain files and directories: a link here would make the checks below read the host's files.
  const { stdout: outer } = await run('tar', ['-tvf', archive], { maxBuffer: LISTING_BUFFER }).catch((error: Error) => {
    throw new InvalidImage(`not a tar archive: ${firstLine(error)}`);
  });
  const odd = outer.split('\n').find((line) => line !== '' && !'-d'.includes(line[0]!));
  if (odd) throw new InvalidImage(`the archive holds something other than files and directories: ${odd}`);
  await run('tar', ['-xf', archive, '-C', layout, '--no-same-owner', '--no-same-permissions', 'index.json', 'blobs']).catch((error: Error) => {
    throw new InvalidImage(`not an OCI image archive (it needs index.json and blobs/): ${firstLine(error)}`);
  });
  const index = await readJson<{ manifests?: Descriptor[] }>(join(layout, 'index.json'), 'index.json');
  const manifests = index.manifests ?? [];
  if (manifests.length !== 1 || manifests[0]?.digest !== digest) {
    throw new InvalidImage(`the archive's manifest is ${manifests.map((m) => m.digest).join(', ') || 'missing'}, not ${digest}`);
  }
  const blob = async (d: Descriptor | undefined, what: string): Promise<string> => {
    const hex = hexOf(d, what);
    const path = join(layout, 'blobs', 'sha256', hex);
    const actual = await fileDigest(path).catch(() => {
      throw new InvalidImage(`the archive lacks the ${what} blob ${d?.digest}`);
    });
    if (actual !== hex) throw new InvalidImage(`the ${what} blob ${d?.digest} holds content of sha256:${actual}`);
    return path;
  };
  const manifest = await readJson<{ mediaType?: string; config?: Descriptor; layers?: Descriptor[] }>(await blob(manifests[0], 'manifest'), 'the manifest');
  if (manifest.mediaType !== MANIFEST_MEDIA_TYPE) throw new InvalidImage(`the manifest's media type is ${manifest.mediaType}, not ${MANIFEST_MEDIA_TYPE}`);
  await blob(manifest.config, 'config');
  const layers = manifest.layers ?? [];
  if (layers.length !== 1 || layers[0]?.mediaType !== LAYER_MEDIA_TYPE) {
    throw new InvalidImage(`app images have exactly one uncompressed layer (${LAYER_MEDIA_TYPE}); this one has ${layers.map((l) => l.mediaType).join(', ') || 'none'}`);
  }
  const layerDescriptor = layers[0]!;
  const layer = join(layout, 'blobs', 'sha256', hexOf(layerDescriptor, 'layer'));
  if (!(await stat(layer).catch(() => null))?.isFile()) throw new InvalidImage(`the archive lacks the layer blob ${layerDescriptor.digest}`);
  await checkLayer(layer).catch((error: Error) => {
    throw error instanceof InvalidImage ? error : new InvalidImage(`the layer is not a readable tar: ${firstLine(error)}`);
  });
  await mkdir(rootfs, { mode: 0o755 });
  // The layer is hashed while it unpacks (two cores, one read from the page cache): the checks above
  // already refused anything that could escape the work directory, and a layer that then proves
  // not to be the one the manifest names is refused before anything of it is used.
  const unpacked = Promise.allSettled([blob(layerDescriptor, 'layer'), unpackLayer(layer, rootfs)]);
  for (const outcome of await unpacked) if (outcome.status === 'rejected') throw outcome.reason;
  return { rootfs, layerDigest: layerDescriptor.digest! };
}

async function unpackLayer(layer: string, rootfs: string): Promise<void> {
  // Files belong to whoever unpacks (never a pushed owner), and no setuid/setgid bit survives: nobody gains a privilege from an image.
  await run('tar', ['-xf', layer, '-C', rootfs, '--no-same-owner', '--no-same-permissions'], { maxBuffer: LISTING_BUFFER }).catch((error: Error) => {
    throw new InvalidImage(`the layer does not unpack: ${firstLine(error)}`);
  });
  await run('find', [rootfs, '-perm', '/6000', '!', '-type', 'l', '-exec', 'chmod', 'ug-s', '{}', '+']);
}

function hexOf(d: Descriptor | undefined, what: string): string {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(d?.digest ?? '')?.[1];
  if (!hex) throw new InvalidImage(`the ${what} has no sha256 digest`);
  return hex;
}

/** Refuses device nodes, FIFOs, absolute paths and paths that climb out of the root. */
async function checkLayer(layer: string): Promise<void> {
  const { stdout: names } = await run('tar', ['-tf', layer], { maxBuffer: LISTING_BUFFER });
  for (const name of names.split('\n').filter(Boolean)) {
    if (name.startsWith('/') || name.split('/').includes('..')) throw new InvalidImage(`the layer holds ${name}, outside the image's root`);
  }
  const { stdout: long } = await run('tar', ['-tvf', layer], { maxBuffer: LISTING_BUFFER });
  const special = long.split('\n').find((line) => line !== '' && !'-dlh'.includes(line[0]!));
  if (special) throw new InvalidImage(`the layer holds a device, FIFO or socket: ${special}`);
}

const MAX_JSON_BYTES = 1024 * 1024;

async function readJson<T>(path: string, what: string): Promise<T> {
  if (((await stat(path).catch(() => null))?.size ?? 0) > MAX_JSON_BYTES) throw new InvalidImage(`${what} is larger than ${MAX_JSON_BYTES} bytes`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    throw new InvalidImage(`${what} is not readable JSON: ${firstLine(error as Error)}`);
  }
}

function firstLine(error: Error): string {
  return error.message.split('\n').find((l) => l.trim() !== '' && !l.startsWith('Command failed')) ?? error.message;
}
