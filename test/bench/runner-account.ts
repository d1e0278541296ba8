import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The unprivileged account the server runs apps as by default (NARRATIVE_RUN_AS), which the raw baselines run as too. */
export async function runnerAccount(user = process.env.NARRATIVE_RUN_AS ?? 'narrative-runner'): Promise<{ uid: number; gid: number; user: string }> {
  const id = async (flag: string) => Number((await run('id', [flag, user])).stdout.trim());
  const account = { uid: await id('-u'), gid: await id('-g'), user };
  if (!(account.uid > 0)) throw new Error(`${user} must be an unprivileged account (the set-up script makes it)`);
  return account;
}
