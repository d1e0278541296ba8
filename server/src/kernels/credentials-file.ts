import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';

/** The directory in a user's kernel home that holds their kernels' credentials (the `narrative` package looks there). */
export const CREDENTIALS_DIR = '.narrative';

const DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Writes a file of secrets into a user's kernel home as that user's, mode 0600.
 * This server is root and the home is the user's: their code can put a symlink
 * anywhere in it, so nothing here follows one. The home and the directory are
 * opened without following links and everything after goes through those open
 * directories (/proc/self/fd/N/...), so a swap between a check and a write
 * cannot redirect the write; the file is made new (O_EXCL) and renamed into place.
 */
export async function writeCredentials(home: string, name: string, content: string): Promise<void> {
  await inCredentialsDir(home, true, async (dir, owner) => {
    const temporary = `${dir}/.${name}.${randomBytes(6).toString('hex')}`;
    const file = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await file.chown(owner.uid, owner.gid);
      await file.chmod(0o600);
      await file.writeFile(content);
    } finally {
      await file.close();
    }
    await rename(temporary, `${dir}/${name}`);
  });
}

/** Removes a credentials file, if there is one; a missing directory or file is no error. */
export async function removeCredentials(home: string, name: string): Promise<void> {
  await inCredentialsDir(home, false, async (dir) => {
    await unlink(`${dir}/${name}`).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

async function inCredentialsDir(home: string, create: boolean, work: (dir: string, owner: { uid: number; gid: number }) => Promise<void>): Promise<void> {
  const homeDir = await open(home, DIRECTORY);
  try {
    const owner = await homeDir.stat();
    // The home of a kernel account is never root's: one that is was not made for a user's kernels.
    if (owner.uid === 0) throw new Error(`${home} belongs to root, not to a user's kernels`);
    const path = `/proc/self/fd/${homeDir.fd}/${CREDENTIALS_DIR}`;
    if (create) {
      await mkdir(path, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
    const dir = await open(path, DIRECTORY);
    try {
      await ownedBy(dir, owner, create);
      await work(`/proc/self/fd/${dir.fd}`, owner);
    } finally {
      await dir.close();
    }
  } finally {
    await homeDir.close();
  }
}

/** The directory must be the user's (or new, still root's: then it becomes theirs), private to them. */
async function ownedBy(dir: FileHandle, owner: { uid: number; gid: number }, fix: boolean): Promise<void> {
  const found = await dir.stat();
  if (found.uid !== owner.uid && found.uid !== 0) throw new Error(`${CREDENTIALS_DIR} in a kernel home belongs to uid ${found.uid}, not to the home's owner`);
  if (!fix) return;
  await dir.chown(owner.uid, owner.gid);
  await dir.chmod(0o700);
}
