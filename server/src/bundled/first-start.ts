import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '@narrative/launcher-native';

/**
 * `NARRATIVE_BUNDLED_APPS=auto` builds the bundled apps (and gives users the
 * example narrative) only on a data directory that began with them: made by
 * a server that builds them by itself. An install that existed before is
 * left as it was (a few GB of builds, an example for every user are the
 * operator's call: `on`). A marker in the data directory remembers the
 * beginning, so later starts go on (after a crash, or with the apps of an upgrade).
 */
const MARKER = join('bundled', 'began-with-bundled-apps');

/** Records that the data directory `home` is new: called as its first admin is made, before that commits. */
export async function markNewDataDir(home: string): Promise<void> {
  await mkdir(join(home, 'bundled'), { recursive: true, mode: 0o700 });
  await writeFileDurably(join(home, MARKER), `made ${new Date().toISOString()}, by a server that builds its bundled apps by itself\n`, 0o600);
}

/** Whether the data directory began with the bundled apps (see markNewDataDir). */
export function beganWithBundledApps(home: string): Promise<boolean> {
  return readFile(join(home, MARKER)).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}
