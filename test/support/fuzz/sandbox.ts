import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STAND_IN_PLUGIN, writeStandInLab } from '../stand-in-lab.js';

/**
 * Everything the fuzzed server touches, under one temp directory: its data
 * directory, and a separate working directory, HOME and TMPDIR, so that a
 * path that escapes the data directory lands somewhere this test owns and can
 * search. `marker` goes into generated names and paths; `canary` is the text
 * of a file outside the data directory that no response may ever contain.
 */
export interface Sandbox {
  root: string;
  data: string;
  cwd: string;
  home: string;
  tmp: string;
  lab: string;
  marker: string;
  canaryFile: string;
  canary: string;
  /** The stand-in lab bundle's one plugin, whose settings the lab API serves. */
  labPlugin: string;
  remove(): Promise<void>;
}

export async function createSandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'narrative-fuzz-'));
  // Kernels and apps run as service accounts that must reach their directories below this one.
  await chmod(root, 0o711);
  const dirs = { data: join(root, 'data'), cwd: join(root, 'cwd'), home: join(root, 'home'), tmp: join(root, 'tmp'), lab: join(root, 'lab') };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  // Like /tmp: the server's service accounts (kernels, apps) may create their own files here.
  await chmod(dirs.tmp, 0o1777);
  const marker = `FZ${randomBytes(5).toString('hex')}`;
  const canary = `CANARY-${randomBytes(12).toString('hex')}`;
  // Named without the marker, so the marker search finds only what the server wrote.
  const canaryFile = join(root, 'canary.txt');
  await writeFile(canaryFile, `${canary}\n`);
  await writeStandInLab(dirs.lab);
  const labPlugin = STAND_IN_PLUGIN;
  return { root, ...dirs, marker, canaryFile, canary, labPlugin, remove: () => rm(root, { recursive: true, force: true }) };
}
