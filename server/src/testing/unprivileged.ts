import { spawnSync } from 'node:child_process';
import { chownSync } from 'node:fs';

/**
 * The argv prefix that runs a server program a test starts (PostgreSQL, nginx) unprivileged:
 * nothing when this process is not root; else setpriv as the first of `accounts` that exists,
 * with `dir` handed to it, and dying with this process (pdeathsig) even when it is killed.
 */
export function asUnprivileged(dir: string, accounts: string[]): string[] {
  if (process.getuid?.() !== 0) return [];
  const account = accounts.find((name) => spawnSync('id', ['-u', name]).status === 0);
  if (!account) throw new Error(`no unprivileged account (${accounts.join(' or ')}) to run as`);
  const uid = Number(spawnSync('id', ['-u', account], { encoding: 'utf8' }).stdout);
  const gid = Number(spawnSync('id', ['-g', account], { encoding: 'utf8' }).stdout);
  chownSync(dir, uid, gid);
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--pdeathsig=KILL', '--'];
}
