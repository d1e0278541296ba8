import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
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
  program
    .command('rename <narrative-id> <title>')
    .description('give a narrative a new title, as renaming it in the lab does (its notebook gets a new version)')
    .action(async (id: string, title: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).renameNarrative(narrativeId(id), title), summary);
    });
  program
    .command('delete <narrative-id>')
    .description('delete a narrative (admin access); its objects stay, readable by ref')
    .option('--yes', 'delete without asking')
    .action(async (text: string, options: { yes?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = clientFrom(global);
      const id = narrativeId(text);
      // Read first: the question names what goes, and a wrong id fails before anything is asked.
      const narrative = await client.narrative(id);
      if (!options.yes && !(await confirm(`Delete narrative ${id} "${narrative.title}" (owner ${narrative.owner})? [y/N] `))) {
        throw new UsageError(`narrative ${id} was not deleted: confirm on a terminal, or add --yes`);
      }
      await client.deleteNarrative(id);
      emit(global, { id, title: narrative.title, deleted: true }, (r) => `deleted narrative ${r.id} "${r.title}"`);
    });
}

/** Asks on the terminal; without one (a script, a pipe) nobody can answer, so it is a no. */
async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export function narrativeId(text: string): number {
  const id = Number(text);
  // Digits only, as job ids: Number() would also take " 7", "0x7" and "7e0".
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`"${text}" is not a narrative id`);
  return id;
}
