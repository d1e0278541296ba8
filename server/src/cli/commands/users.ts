import type { Command } from 'commander';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields } from '../output.js';

export function userCommands(program: Command): void {
  const user = program.command('user').description('manage users (admins)');
  user
    .command('add <name>')
    .description('create a user; prints their first API token')
    .option('--role <role>', 'user, developer or admin', 'user')
    .option('--password-stdin', 'read a password for browser sign-in from standard input')
    .action(async (name: string, options: { role: 'user' | 'developer' | 'admin'; passwordStdin?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const password = options.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
      const created = await clientFrom(global).createUser(name, options.role, password);
      emit(global, created, (c) => fields(c));
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
