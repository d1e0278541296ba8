import { readdir, readFile } from 'node:fs/promises';

/**
 * Ends the process group this process leads (a build's: mmdebstrap, apt and
 * what they started): SIGTERM to all, a wait of up to `waitMs` for the others
 * to go, then SIGKILL to the group, this process with it, if any are left.
 * Resolves once the others are gone; the caller then exits.
 */
export async function endOwnGroup(waitMs: number): Promise<void> {
  // Our own SIGTERM comes back to this process: its handler must ignore it.
  signalOwnGroup('SIGTERM');
  const until = Date.now() + waitMs;
  while ((await othersInOwnGroup()) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  if ((await othersInOwnGroup()) > 0) signalOwnGroup('SIGKILL');
}

function signalOwnGroup(signal: NodeJS.Signals): void {
  try {
    process.kill(-process.pid, signal);
  } catch {
    // No group (not started detached): only this process to end.
  }
}

/** The live processes of the group this process leads, but itself (Linux's /proc, as mmdebstrap is Linux's). */
export async function othersInOwnGroup(): Promise<number> {
  let count = 0;
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // After the command name's closing parenthesis (a name may hold spaces and parentheses): state, parent, group.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === process.pid && state !== 'Z') count++;
  }
  return count;
}
