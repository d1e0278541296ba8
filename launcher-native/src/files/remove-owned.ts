import { execFile } from 'node:child_process';
import { lstat, rm, rmdir, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Bounded: a stalled file system (an owner's FUSE mount) must not hold up a start or a stop. */
const OPTIONS = { env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, timeout: 60_000, killSignal: 'SIGKILL' as const };

/**
 * Removes a directory that another account owns and may still be writing to.
 * Root's own recursive removal can be raced: between its look at an entry and its
 * unlink, the owner swaps a directory for a link to one of root's, and root deletes
 * there. So the contents go as their owner (whatever a race does, it does with the
 * owner's rights), and root only removes the emptied directory itself. The
 * directory's parent must not be writable by its owner (then its own entry cannot
 * be swapped). Not root, or root's own directory: a plain removal.
 */
export async function removeOwnedTree(dir: string): Promise<void> {
  const found = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!found) return;
  if (!found.isDirectory()) return unlink(dir);
  if (process.getuid?.() !== 0 || found.uid === 0) return rm(dir, { recursive: true, force: true });
  const asOwner = ['--reuid', String(found.uid), '--regid', String(found.gid), '--clear-groups', '--'];
  // A directory its owner made unwritable would keep its entries; the owner may open it again.
  await run('setpriv', [...asOwner, 'chmod', '-R', 'u+rwx', '--', dir], OPTIONS).catch(() => undefined);
  // -xdev: nothing mounted inside (the owner's own FUSE mount, say) is entered.
  await run('setpriv', [...asOwner, 'find', dir, '-xdev', '-mindepth', '1', '-delete'], OPTIONS).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`${dir} could not be emptied as uid ${found.uid}: ${(error.stderr || error.message).trim().split('\n')[0]}`);
  });
  await rmdir(dir);
}
