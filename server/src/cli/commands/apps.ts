import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppSpec, AppVersion } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields, table } from '../output.js';
import { UsageError } from '../usage.js';

/** The catalog's own columns plus the spec's name, which is what people recognise an app by. */
const row = (a: AppVersion) => ({ id: a.id, version: a.version, channel: a.channel, name: a.spec.name });

export function appCommands(program: Command): void {
  const app = program.command('app').description('the app catalog');
  app
    .command('register <spec>')
    .description('register an app version from a spec (a JSON file, or a directory holding app.json); developers')
    .action(async (path: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      // The server validates the spec and reports every problem with its path; here we only read it.
      const registered = await clientFrom(global).registerApp(await readSpec(path));
      emit(global, registered, (a) => `${a.id}@${a.version} registered (channel ${a.channel}, by ${a.registeredBy} at ${a.registeredAt})`);
    });
  app
    .command('list')
    .description('every registered app version')
    .action(async (_o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).listApps(), (list) => table(list.map(row), ['id', 'version', 'channel', 'name']));
    });
  app
    .command('show <app>')
    .description('one app (module/name[@version]; default its newest version) with its spec')
    .action(async (text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { id, version } = appRef(text);
      emit(global, await clientFrom(global).app(id, version), describe);
    });
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

async function readSpec(path: string): Promise<AppSpec> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new UsageError(`${path} does not exist`);
  const file = s.isDirectory() ? join(path, 'app.json') : path;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'a spec directory needs an app.json' : error.message}`);
  });
  try {
    return JSON.parse(text) as AppSpec;
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

function describe(a: AppVersion): string {
  const s = a.spec;
  const inputs = s.inputs.map((i) => `${i.name} (${i.types.join(' | ')}${i.required === false ? ', optional' : ''})`).join(', ') || '(none)';
  const outputs = s.outputs.map((o) => `${o.name} (${o.type})`).join(', ') || '(none)';
  return fields({
    id: a.id, version: a.version, channel: a.channel, name: s.name, description: s.description, categories: s.categories.join(', '),
    inputs, params: s.params.properties, outputs,
    resources: `${s.resources.cpus} cpus, ${s.resources.memoryMiB} MiB, ${s.resources.timeMinutes} min, ${s.resources.gpus} gpus`,
    image: s.container.image.digest, argv: s.argv, registeredBy: a.registeredBy, registeredAt: a.registeredAt,
  });
}
