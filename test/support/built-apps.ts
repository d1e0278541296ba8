import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliTarget } from './cli.js';

const APPS = fileURLToPath(new URL('../../../apps-catalog/apps/', import.meta.url));
const CACHE = join(tmpdir(), 'narrative-test-builds');

/**
 * Registers a real app from apps-catalog/apps as the developer `cli` signs in
 * as. Its image is built once and kept between runs: `app register` refuses a
 * build whose recipe or files changed since, and then it is built afresh.
 * (test/integration/real-apps.test.ts always builds, and checks that two
 * builds give one digest.)
 */
export async function registerBuiltApp(app: string, cli: CliTarget): Promise<void> {
  const source = join(APPS, app);
  const build = join(CACHE, app);
  const register = () => runCli(['app', 'register', source, '--build', build, '--json'], { ...cli, timeoutMs: 5 * 60_000 });
  let registered = await register();
  if (registered.code === 0) return;
  const staging = `${build}.${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(CACHE, { recursive: true });
  const built = await runCli(['app', 'build', source, '--out', staging, '--json'], { ...cli, timeoutMs: 15 * 60_000 });
  if (built.code !== 0) throw new Error(`building ${app} failed: ${built.stderr}`);
  await rm(build, { recursive: true, force: true });
  await rename(staging, build);
  registered = await register();
  if (registered.code !== 0) throw new Error(`registering ${app} failed: ${registered.stderr}${registered.stdout}`);
}
