import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiError, type NarrativeClient } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { fileBody } from '../multipart.js';
import { emit, fields, table } from '../output.js';
import { UsageError } from '../usage.js';

/** GET /kernel-images, one entry. */
interface KernelImageInfo {
  digest: string;
  name: string;
  version: string;
  kernelspec: string;
  displayName: string;
  offeredAt: string;
  withdrawnAt: string | null;
  stored: boolean;
}

const row = (k: KernelImageInfo) => ({ kernelspec: k.kernelspec, version: k.version, state: k.withdrawnAt ? 'withdrawn' : k.stored ? 'offered' : 'image gone', name: k.name, digest: k.digest });
const said = (k: KernelImageInfo) => `${k.kernelspec} offered: ${k.displayName}\n${fields({ digest: k.digest, version: k.version })}`;

export function kernelImageCommands(program: Command): void {
  const kernel = program.command('kernel-image').description('the images code cells run in: build, offer, list, withdraw (admins)');
  kernel
    .command('add <dir>')
    .description('build a kernel image from a folder with kernel.json and its recipe (as apps are built), push it and offer it; a build there of the same recipe is reused')
    .option('--build <dir>', 'where the OCI archive and build record go (default <dir>/build)')
    .action(async (dir: string, options: { build?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const file = (await stat(dir).catch(() => null))?.isDirectory() ? join(dir, 'kernel.json') : dir;
      const { buildApp, loadAppSource, specToRegister } = await import('../app-source.js');
      const source = await loadAppSource(file);
      const { name, version } = source.spec as { name?: unknown; version?: unknown };
      if (typeof name !== 'string' || typeof version !== 'string') throw new UsageError(`${file} needs a name and a version`);
      const out = resolve(options.build ?? join(source.dir, 'build'));
      let found = await specToRegister(source, out).catch((error: unknown) => {
        if (error instanceof UsageError) return null;
        throw error;
      });
      if (!found?.archive) {
        await buildApp(source, out, (line) => global.json || process.stderr.write(`${line}\n`));
        found = await specToRegister(source, out);
      }
      const digest = (found.spec.container.image as { digest: string }).digest;
      const client = clientFrom(global);
      await pushIfMissing(client, digest, found.archive!);
      emit(global, await offer(client, { digest, name, version }), said);
    });
  kernel
    .command('offer <digest>')
    .description('offer an image already pushed (narrative app register, or PUT /images) as a kernel image')
    .requiredOption('--name <name>', 'what the kernel picker shows, e.g. "Python 3 · numpy, pandas"')
    // Not --version: that is the program's own flag, which commander answers wherever it appears.
    .requiredOption('--kernel-version <version>', 'its version, e.g. 1.0.0')
    .action(async (digest: string, options: { name: string; kernelVersion: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await offer(clientFrom(global), { digest, name: options.name, version: options.kernelVersion }), said);
    });
  kernel
    .command('list')
    .description('the kernel images offered here, withdrawn ones too')
    .action(async (_options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await clientFrom(global).request<KernelImageInfo[]>('GET', '/kernel-images');
      emit(global, list, (l) => table(l.map(row), ['kernelspec', 'version', 'state', 'name', 'digest']));
    });
  kernel
    .command('withdraw <digest>')
    .description('stop offering a kernel image to new narratives; narratives pinned to it still start it while it is stored')
    .action(async (digest: string, _options: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      await clientFrom(global).request<void>('DELETE', `/kernel-images/${encodeURIComponent(digest)}`);
      emit(global, { digest, withdrawn: true }, () => `${digest} withdrawn`);
    });
}

function offer(client: NarrativeClient, image: { digest: string; name: string; version: string }): Promise<KernelImageInfo> {
  return client.request<KernelImageInfo>('POST', '/kernel-images', { json: image });
}

async function pushIfMissing(client: NarrativeClient, digest: string, archive: string): Promise<void> {
  try {
    await client.image(digest);
    return;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  await client.pushImage(digest, fileBody(archive, () => undefined));
}
