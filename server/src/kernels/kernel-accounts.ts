import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Account } from '../domain/context.js';
import { account } from '../execution.js';
import { Problem } from '../errors.js';
import { unavailable } from './unavailable.js';

/** Whose code runs as what: a user's account from the operator's map, else a uid of their own from the reserved range. */
export interface KernelAccount extends Account {
  /** True when the uid came from NARRATIVE_KERNEL_UIDS: no one else on the machine has it, and no passwd entry. */
  allocated: boolean;
}

export interface KernelAccountRules {
  /** NARRATIVE_ACCOUNT_MAP, platform user name to account, as the apps use it. */
  mapped: Map<string, Account>;
  range: { first: number; last: number };
  /** Accounts no user's code may run as: the apps' (it owns running jobs' /out), the server's own. */
  forbiddenUids: number[];
  /** Groups no user's code may run in: the apps' account's (job directories are open to it), root's. */
  forbiddenGids: number[];
}

/**
 * The account each user's kernels run as, decided once per user and remembered.
 * A refusal is a 503 naming the reason, for the operator: code never falls back
 * to another identity.
 */
export class KernelAccounts {
  private readonly known = new Map<number, Promise<KernelAccount>>();

  constructor(private readonly rules: KernelAccountRules) {}

  of(user: { id: number; name: string }): Promise<KernelAccount> {
    let found = this.known.get(user.id);
    if (!found) {
      found = this.decide(user);
      this.known.set(user.id, found);
      // A refusal (a getent that failed, say) is tried afresh next time.
      found.catch(() => this.known.delete(user.id));
    }
    return found;
  }

  private async decide(user: { id: number; name: string }): Promise<KernelAccount> {
    const mapped = this.rules.mapped.get(user.name);
    if (mapped) {
      if (mapped.uid === 0 || mapped.gid === 0) throw refused(`${user.name} is mapped to ${mapped.user}, which is root or in root's group`);
      if (this.rules.forbiddenUids.includes(mapped.uid)) throw refused(`${user.name} is mapped to ${mapped.user}, the account apps (or this server) run as`);
      if (this.rules.forbiddenGids.includes(mapped.gid)) throw refused(`${user.name}'s account ${mapped.user} is in the apps' account's primary group (gid ${mapped.gid}), to which job directories are open: give it a group of its own`);
      this.refuseShared(user.name, mapped);
      return { ...mapped, allocated: false };
    }
    const uid = this.rules.range.first + user.id;
    if (uid > this.rules.range.last) throw refused(`user id ${user.id} is past the end of NARRATIVE_KERNEL_UIDS (${this.rules.range.first}-${this.rules.range.last})`);
    // An id someone already has (a person, a service, a group) would hand that one's files to this user's code.
    if (await known('passwd', uid)) throw refused(`uid ${uid} (NARRATIVE_KERNEL_UIDS first + user id ${user.id}) belongs to an existing account`);
    if (await known('group', uid)) throw refused(`gid ${uid} (NARRATIVE_KERNEL_UIDS first + user id ${user.id}) belongs to an existing group`);
    return { uid, gid: uid, user: `narrative-kernel-${user.id}`, allocated: true };
  }

  /**
   * A job directory is open to its account's primary group (domain/jobs/run.ts), and a
   * user's kernels are their account's: two users on one account, or on accounts that
   * share a primary group, could each reach the other's jobs and kernels.
   */
  private refuseShared(name: string, mine: Account): void {
    for (const [other, theirs] of this.rules.mapped) {
      if (other === name) continue;
      if (theirs.uid === mine.uid) throw refused(`${name} and ${other} are both mapped to ${mine.user}: each one's code could reach the other's kernels and jobs`);
      if (theirs.gid === mine.gid) throw refused(`${name}'s account ${mine.user} and ${other}'s account ${theirs.user} share their primary group (gid ${mine.gid}), to which job directories are open: give each account a group of its own`);
    }
  }
}

/**
 * NARRATIVE_ACCOUNT_MAP as the apps have it; read here only when this server runs
 * no apps (no execution), since the map then was never loaded.
 */
export async function loadAccountMap(file: string | undefined): Promise<Map<string, Account>> {
  const accounts = new Map<string, Account>();
  if (!file) return accounts;
  for (const [name, local] of Object.entries(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)) {
    const resolved = typeof local === 'string' ? await account(local) : null;
    if (!resolved) throw new Error(`${file}: ${name} is mapped to ${String(local)}, which is not an unprivileged account on this machine`);
    accounts.set(name, resolved);
  }
  return accounts;
}

/** Whether the system's databases (files, LDAP, whatever NSS says) know this id; an error is not a "no". */
function known(database: 'passwd' | 'group', id: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('getent', [database, String(id)], (error) => {
      if (!error) return resolve(true);
      // getent's 2: no such key. Anything else (no getent, a failing NSS source) must not read as free.
      if ((error as { code?: unknown }).code === 2) return resolve(false);
      reject(refused(`getent ${database} ${id} failed: ${error.message}`));
    });
  });
}

function refused(why: string): Problem {
  return unavailable(`Your code cells cannot start: ${why}.`);
}
