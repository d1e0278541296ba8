import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ENDED_FOLDER } from '@narrative/launcher-native';

/**
 * Hears job wrappers say they ended: each makes `<jobsDir>/.ended/<job id>` once its result is
 * written (launcher-native job-dir/layout.ts). Each marker is removed as it is heard, and its job
 * handed to `ended`. Markers are hints: one missed (a server down, a file system that sends no
 * events) only means the job is finished at the reconciler's next pass, as without them.
 */
export async function watchEndedJobs(jobsDir: string, ended: (jobId: number) => void, logger: Logger): Promise<{ close(): void }> {
  const dir = join(jobsDir, ENDED_FOLDER);
  const heard = (name: string) => {
    if (!/^[0-9]+$/.test(name)) return;
    // Our own removal makes an event too: only the one that removes the marker hands the job on.
    unlink(join(dir, name)).then(
      () => ended(Number(name)),
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') logger.warn({ err: error }, 'a job end marker could not be removed');
      },
    );
  };
  let watcher: FSWatcher | null = null;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    watcher = watch(dir, (_event, name) => name && heard(name.toString()));
    watcher.on('error', (error) => {
      logger.warn({ err: error }, 'watching for job ends failed: jobs end at the reconciler\'s passes');
      watcher?.close();
    });
    // Whatever ended while no server listened.
    for (const name of await readdir(dir)) heard(name);
  } catch (error) {
    logger.warn({ err: error }, 'cannot watch for job ends: jobs end at the reconciler\'s passes');
  }
  return { close: () => watcher?.close() };
}
