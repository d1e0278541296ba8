import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiError, type AppVersion, type Channel, type NarrativeClient, type StoredImage } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { fileBody } from '../multipart.js';
import { emit, fields, table } from '../output.js';
import { progressBar } from '../progress.js';
import { UsageError } from '../usage.js';

/** The catalog's own columns plus the spec's name, which is what people recognise an app by. */
const row = (a: AppVersion) => ({ id: a.id, version: a.version, channel: a.deprecated ? `${a.channel} (deprecated)` : a.channel, name: a.spec.name, categories: a.spec.categories.join(', ') });
const CHANNELS = ['dev', 'beta', 'release'];

export function appCommands(program: Command): void {
  const app = program.command('app').description('the app catalog: build, register, promote, find');
  app
    .command('build <dir>')
    .description("build an app's image from its recipe, reproducibly (Debian via mmdebstrap from this machine's apt sources); prints its digest")
    .option('--out <dir>', 'where the OCI archive and build record go (default <dir>/build)')
    .action(async (dir: string, options: { out?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { buildApp, loadAppSource } = await import('../app-source.js');
      const source = await loadAppSource(dir);
      const built = await buildApp(source, resolve(options.out ?? join(source.dir, 'build')), progressLines(global));
      emit(global, built, (r) => `${r.digest}\n${fields({ archive: r.archive, size: `${(r.size / 1048576).toFixed(1)} MiB`, lock: `${Object.keys(r.lock).length} packages`, seconds: r.seconds.toFixed(1) })}`);
    });
  app
    .command('verify-image <app>')
    .description("rebuild module/name@version's image from its recipe with every package at its locked version, and compare digests: same or different (exit 1)")
    .option('--source <dir>', "the app's directory, holding the files its recipe copies into the image")
    .option('--out <dir>', 'keep the rebuilt OCI archive here (default: a temporary directory, removed)')
    .action(async (text: string, options: { source?: string; out?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const say = progressLines(global);
      const ref = exactRef(text);
      const { verifyImage } = await import('../verify-image.js');
      const result = await verifyImage(clientFrom(global), ref, options, say);
      emit(global, result, (r) => `${r.same ? 'same' : 'different'}\n${fields({
        registered: r.registered, rebuilt: r.rebuilt, lock: `${r.lockedPackages} packages`,
        ...(r.packagesOffLock.length > 0 ? { 'off the lock': r.packagesOffLock.map((p) => `${p.name} ${p.locked ?? '(none)'} → ${p.rebuilt ?? '(none)'}`).join(', ') } : {}),
        ...(r.archive ? { archive: r.archive } : {}), seconds: r.seconds.toFixed(1),
      })}`);
      // Like cmp: scripts can tell a different rebuild from the exit code.
      if (!result.same) process.exitCode = 1;
    });
  app
    .command('register <spec>')
    .description('register an app version (a directory with app.json, or a spec file), pushing its built image if the server lacks it; developers')
    .option('--build <dir>', 'where `app build` left the image (default <dir>/build)')
    .action(async (path: string, options: { build?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { loadAppSource, specToRegister } = await import('../app-source.js');
      const source = await loadAppSource(path);
      const { spec, archive } = await specToRegister(source, resolve(options.build ?? join(source.dir, 'build')));
      const client = clientFrom(global);
      if (archive) await pushIfMissing(client, spec.container.image.digest, archive, global);
      // The server validates the spec and reports every problem with its path.
      const registered = await client.registerApp(spec);
      emit(global, registered, (a) => `${a.id}@${a.version} registered (channel ${a.channel}, image ${a.spec.container.image.digest}, by ${a.registeredBy} at ${a.registeredAt})`);
    });
  app
    .command('list')
    .description('the catalog (deprecated versions only with --deprecated)')
    .option('--category <name>', 'only apps in this category')
    .option('--search <words>', 'words to find in id, name, description and categories')
    .option('--channel <channel>', 'the least trusted channel to show: dev (all), beta, release')
    .option('--latest', "only each app's newest version")
    .option('--deprecated', 'include deprecated versions')
    .action(async (options: { category?: string; search?: string; channel?: string; latest?: boolean; deprecated?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await clientFrom(global).listApps({
        ...(options.category ? { category: options.category } : {}), ...(options.search ? { q: options.search } : {}),
        ...(options.channel ? { channel: channelOf(options.channel) } : {}), ...(options.latest ? { latest: true } : {}), ...(options.deprecated ? { deprecated: true } : {}),
      });
      emit(global, list, (l) => table(l.map(row), ['id', 'version', 'channel', 'name', 'categories']));
    });
  app
    .command('show <app>')
    .description('one app (module/name[@version]; default its newest version) with its spec')
    .action(async (text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { id, version } = appRef(text);
      emit(global, await clientFrom(global).app(id, version), describe);
    });
  app
    .command('promote <app> <channel>')
    .description('move module/name@version forward: beta (its developer) or release (admins)')
    .action(async (text: string, channel: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { id, version } = exactRef(text);
      emit(global, await clientFrom(global).promoteApp(id, version, channelOf(channel)), (a) => `${a.id}@${a.version} is now in ${a.channel}`);
    });
  app
    .command('deprecate <app>')
    .description('deprecate module/name@version: hidden from the catalog, still runnable so old narratives re-run')
    .requiredOption('--reason <text>', 'why, shown to whoever still uses it')
    .action(async (text: string, options: { reason: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { id, version } = exactRef(text);
      emit(global, await clientFrom(global).deprecateApp(id, version, options.reason), (a) => `${a.id}@${a.version} deprecated: ${a.deprecated?.reason}`);
    });
}

/** Progress for a long build on stderr, each line with the seconds since it began; none with --json. */
function progressLines(global: GlobalOptions): (line: string) => void {
  const started = Date.now();
  return (line) => {
    if (!global.json) process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  };
}

async function pushIfMissing(client: NarrativeClient, digest: string, archive: string, global: GlobalOptions): Promise<StoredImage> {
  try {
    return await client.image(digest);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const size = (await stat(archive)).size;
  const bar = await progressBar('pushing image [{bar}] {percentage}% {value}/{total} bytes', !global.json);
  bar?.start(size, 0);
  try {
    return await client.pushImage(digest, fileBody(archive, (n) => bar?.increment(n)));
  } finally {
    bar?.stop();
  }
}

function channelOf(text: string): Channel {
  if (!CHANNELS.includes(text)) throw new UsageError(`"${text}" is not a channel: use dev, beta or release`);
  return text as Channel;
}

/** `module/name[@version]`: the version is what follows the last `@`. */
export function appRef(text: string): { id: string; version?: string } {
  const at = text.lastIndexOf('@');
  const id = at < 0 ? text : text.slice(0, at);
  const version = at < 0 ? undefined : text.slice(at + 1);
  // Checked here because an id without a slash would otherwise reach the server as a different URL.
  if (!/^[^/@]+\/[^/@]+$/.test(id) || version === '') throw new UsageError(`"${text}" is not an app: use module/name or module/name@version`);
  return version === undefined ? { id } : { id, version };
}

function exactRef(text: string): { id: string; version: string } {
  const { id, version } = appRef(text);
  if (!version) throw new UsageError(`"${text}" names no version: use module/name@version`);
  return { id, version };
}

function describe(a: AppVersion): string {
  const s = a.spec;
  const inputs = s.inputs.map((i) => `${i.name} (${i.types.join(' | ')}${i.required === false ? ', optional' : ''})`).join(', ') || '(none)';
  const outputs = s.outputs.map((o) => `${o.name} (${o.type})`).join(', ') || '(none)';
  return fields({
    id: a.id, version: a.version, channel: a.channel, ...(a.deprecated ? { deprecated: `${a.deprecated.at}: ${a.deprecated.reason}` } : {}),
    name: s.name, description: s.description, categories: s.categories.join(', '),
    inputs, params: s.params.properties, outputs,
    resources: `${s.resources.cpus} cpus, ${s.resources.memoryMiB} MiB, ${s.resources.timeMinutes} min, ${s.resources.gpus} gpus`,
    image: s.container.image.digest, ...(s.container.recipe ? { packages: s.container.recipe.packages.join(' ') } : {}),
    argv: s.argv, registeredBy: a.registeredBy, registeredAt: a.registeredAt,
  });
}
