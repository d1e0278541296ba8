import assert from 'node:assert/strict';
import { chown, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CREDENTIALS_DIR, removeCredentials, writeCredentials } from './credentials-file.js';

/** A uid that owns nothing else here, as a kernel account's would. */
const UID = 65534;

/**
 * The server writes into a home its user's code controls: every link that code
 * could plant must lead nowhere. Making files another uid's needs root.
 */
describe("a kernel's credentials file, written as root into its user's home", { skip: process.getuid?.() !== 0 && 'needs root (chown)' }, () => {
  let root: string;
  let home: string;
  let victim: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'narrative-credentials-'));
    home = join(root, 'home');
    victim = join(root, 'victim');
    await mkdir(home, { mode: 0o700 });
    await chown(home, UID, UID);
    await mkdir(victim, { mode: 0o700 });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("is the user's, 0600, in a directory of theirs, 0700; rewriting replaces it", async () => {
    await writeCredentials(home, 'kernel-a.json', '{"token":"one"}\n');
    await writeCredentials(home, 'kernel-a.json', '{"token":"two"}\n');
    const file = await stat(join(home, CREDENTIALS_DIR, 'kernel-a.json'));
    const dir = await stat(join(home, CREDENTIALS_DIR));
    assert.deepEqual([file.uid, file.gid, file.mode & 0o777, dir.uid, dir.mode & 0o777], [UID, UID, 0o600, UID, 0o700]);
    assert.equal(await readFile(join(home, CREDENTIALS_DIR, 'kernel-a.json'), 'utf8'), '{"token":"two"}\n');
    await removeCredentials(home, 'kernel-a.json');
    await assert.rejects(stat(join(home, CREDENTIALS_DIR, 'kernel-a.json')), /ENOENT/);
  });

  it('replaces a planted link to a file instead of writing through it', async () => {
    await writeFile(join(victim, 'target'), 'untouched');
    await symlink(join(victim, 'target'), join(home, CREDENTIALS_DIR, 'kernel-b.json'));
    await writeCredentials(home, 'kernel-b.json', 'secret');
    assert.equal(await readFile(join(victim, 'target'), 'utf8'), 'untouched');
    assert.ok((await lstat(join(home, CREDENTIALS_DIR, 'kernel-b.json'))).isFile());
    assert.equal((await stat(join(victim, 'target'))).uid, 0, 'the target keeps its owner');
  });

  it('refuses a credentials directory that is a link, and a home that is one', async () => {
    const other = join(root, 'other-home');
    await mkdir(other, { mode: 0o700 });
    await chown(other, UID, UID);
    await symlink(victim, join(other, CREDENTIALS_DIR));
    await assert.rejects(writeCredentials(other, 'kernel-c.json', 'secret'), /ELOOP|ENOTDIR/);
    await symlink(home, join(root, 'linked-home'));
    await assert.rejects(writeCredentials(join(root, 'linked-home'), 'kernel-c.json', 'secret'), /ELOOP|ENOTDIR/);
    await assert.rejects(stat(join(victim, 'kernel-c.json')), /ENOENT/);
    assert.equal(await readlink(join(other, CREDENTIALS_DIR)), victim);
  });

  it("refuses a home that is root's", async () => {
    await assert.rejects(writeCredentials(victim, 'kernel-d.json', 'secret'), /belongs to root/);
  });
});
