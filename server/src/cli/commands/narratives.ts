import type { Command } from 'commander';
import type { Level, Narrative } from '../../client/index.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields, table } from '../output.js';
import { UsageError } from '../usage.js';

const LEVELS = ['none', 'read', 'write', 'admin'];
const summary = (n: Narrative) => fields(n, ['id', 'title', 'wsid', 'ref', 'owner', 'level', 'public', 'published', 'link']);

export function narrativeCommands(program: Command): void {
  program
    .command('create <title>')
    .description('create a narrative and its workspace')
    .action(async (title: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).createNarrative(title), summary);
    });
  program
    .command('narratives')
    .description('list the narratives I own or was given access to')
    .action(async (_o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).listNarratives(), (list) => table(list, ['id', 'title', 'owner', 'level', 'wsid', 'link']));
    });
  program
    .command('share <narrative-id> [user] [level]')
    .description('give a user none|read|write|admin access, or make it public with --public')
    .option('--public', 'readable by anyone with the link')
    .option('--private', 'no longer public')
    .action(async (id: string, user: string | undefined, level: string | undefined, options: { public?: boolean; private?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      let share: { user: string; level: Level } | { public: boolean };
      if (options.public || options.private) share = { public: Boolean(options.public) };
      else if (user && level && LEVELS.includes(level)) share = { user, level: level as Level };
      else throw new UsageError('give a user and a level (none, read, write or admin), or --public / --private');
      emit(global, await clientFrom(global).shareNarrative(narrativeId(id), share), summary);
    });
  program
    .command('copy <narrative-id>')
    .description('copy a narrative (and its data) into a new one I own')
    .option('--title <title>', 'title of the copy')
    .action(async (id: string, options: { title?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).copyNarrative(narrativeId(id), options.title), summary);
    });
  program
    .command('publish <narrative-id>')
    .description('publish: public and read-only forever')
    .action(async (id: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).publishNarrative(narrativeId(id)), summary);
    });
}

export function narrativeId(text: string): number {
  const id = Number(text);
  // Digits only, as job ids: Number() would also take " 7", "0x7" and "7e0".
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`"${text}" is not a narrative id`);
  return id;
}
