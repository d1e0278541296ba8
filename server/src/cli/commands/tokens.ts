import type { Command } from 'commander';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, fields, table } from '../output.js';
import { UsageError } from '../usage.js';

/** `narrative token …`: my own API tokens. The server never hands a value out again after creating it. */
export function tokenCommands(program: Command): void {
  const token = program.command('token').description('my API tokens');
  token
    .command('list')
    .description('my unrevoked tokens (API and browser sessions), never their values')
    .action(async (_o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global, await clientFrom(global).listTokens(), (list) => table(list, ['id', 'label', 'kind', 'createdAt', 'lastUsedAt']));
    });
  token
    .command('create <name>')
    .description('create an API token for myself, labelled <name>; prints its value, the only time it is shown')
    .action(async (name: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const created = await clientFrom(global).createToken(name);
      // On stderr, so that with --json stdout stays one JSON document.
      process.stderr.write(`narrative: this token is shown only once: store it now (as NARRATIVE_TOKEN, say); \`narrative token revoke ${created.id}\` ends it\n`);
      emit(global, created, (c) => fields(c, ['id', 'label', 'token']));
    });
  token
    .command('revoke <token-id>')
    .description('revoke one of my tokens (its id from `token list`): it stops working at once')
    .action(async (text: string, _o: unknown, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const id = tokenId(text);
      await clientFrom(global).revokeToken(id);
      emit(global, { id, revoked: true }, (r) => `revoked token ${r.id}`);
    });
}

function tokenId(text: string): number {
  const id = Number(text);
  // Digits only, as narrative and job ids: Number() would also take " 7", "0x7" and "7e0".
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new UsageError(`"${text}" is not a token id: \`narrative token list\` shows them`);
  return id;
}
