import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileDigest } from '../files/file-digest.js';

/**
 * A digest of a directory image: sha256 over every entry in path order with
 * its type, mode, and content hash (or link target). Times and owners are
 * left out, so the same tree built twice gives the same digest.
 */
export async function treeDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const path of await walk(root, '')) {
    const full = join(root, path);
    const info = await lstat(full);
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) hash.update(`l ${path} ${await readlink(full)}\n`);
    else if (info.isDirectory()) hash.update(`d ${path} ${mode}\n`);
    else if (info.isFile()) hash.update(`f ${path} ${mode} ${await fileDigest(full)}\n`);
    else throw new Error(`image ${root} holds ${path}, which is neither a file, a directory nor a link`);
  }
  return `sha256:${hash.digest('hex')}`;
}

async function walk(root: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    out.push(path);
    const info = await lstat(join(root, path));
    if (info.isDirectory()) out.push(...(await walk(root, path)));
  }
  return out;
}
