import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRunning } from '@narrative/launcher-native';
import { runCli, type CliTarget } from './cli.js';

const APPS = fileURLToPath(new URL('../../../apps-catalog/apps/', import.meta.url));
/** One cache per user, readable by that user only: nobody else can plant a build in it. A server's NARRATIVE_BUILD_CACHE can name it too. */
export const BUILT_APPS_CACHE = join(tmpdir(), `narrative-test-builds-${process.getuid?.() ?? 'user'}`);
const CACHE = BUILT_APPS_CACHE;
const LOCK_WAIT_MS = 20 * 60_000;

/**
 * Registers a real app from apps-catalog/apps as the developer `cli` signs in
 * as. Its image is built once and kept between runs: `app register` refuses a
 * build whose recipe or files changed since, and then it is built afresh.
 * Runs side by side take turns (a lock directory per app).
 * (test/integration/verify-image.test.ts rebuilds two of them and checks
 * that the rebuild gives the same digest.)
 */
export async function registerBuiltApp(app: string, cli: CliTarget): Promise<void> {
  const source = join(APPS, app);
  const build = join(CACHE, app);
  const register = () => runCli(['app', 'register', source, '--build', build, '--json'], { ...cli, timeoutMs: 5 * 60_000 });
  await mkdir(CACHE, { recursive: true, mode: 0o700 });
  const unlock = await lock(`${build}.lock`);
  try {
    if ((await register()).code === 0) return;
    const staging = `${build}.${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    const built = await runCli(['app', 'build', source, '--out', staging, '--json'], { ...cli, timeoutMs: 15 * 60_000 });
    if (built.code !== 0) throw new Error(`building ${app} failed: ${built.stderr}`);
    await rm(build, { recursive: true, force: true });
    await rename(staging, build);
    const registered = await register();
    if (registered.code !== 0) throw new Error(`registering ${app} failed: ${registered.stderr}${registered.stdout}`);
  } finally {
    await unlock();
  }
}

/** Takes a lock directory (holding its owner's pid), waiting while a live process holds it; a dead owner's lock is taken over. */
async function lock(dir: string): Promise<() => Promise<void>> {
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      return () => rm(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
    if (owner && !isRunning(owner)) await rm(dir, { recursive: true, force: true });
    else if (Date.now() > until) throw new Error(`${dir} is still held by process ${owner || '?'}`);
    else await new Promise((r) => setTimeout(r, 1000));
  }
}

