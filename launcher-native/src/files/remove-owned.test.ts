import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeOwnedTree } from './remove-owned.js';

/** A uid no one has: the tree below belongs to it as a kernel's or an app's files would. */
const OWNER = 2_999_999_000 + (process.pid % 1000);

/** Only root removes trees it does not own. Not root under CI (as test/support/prerequisites.ts has it): this fails instead of skipping. */
const skip = process.getuid?.() !== 0 && ['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase()) && 'needs root (only root removes trees it does not own)';

describe('removing a tree another account owns', { skip }, () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'narrative-remove-owned-'));
    await chmod(base, 0o711);
  });
  after(() => rm(base, { recursive: true, force: true }));

  it("empties it as its owner, never following the owner's links into root's files, and removes it", async () => {
    const roots = join(base, 'roots');
    await mkdir(roots, { mode: 0o755 });
    await writeFile(join(roots, 'keep'), 'root');
    const tree = join(base, 'tree');
    await mkdir(join(tree, 'deep', 'er'), { recursive: true });
    await writeFile(join(tree, 'deep', 'er', 'file'), 'mine');
    await symlink(roots, join(tree, 'link-to-roots'));
    await symlink(join(roots, 'keep'), join(tree, 'deep', 'link-to-keep'));
    for (const p of [tree, join(tree, 'deep'), join(tree, 'deep', 'er'), join(tree, 'deep', 'er', 'file')]) await chown(p, OWNER, OWNER);
    // A directory its owner made read-only still goes.
    await chmod(join(tree, 'deep', 'er'), 0o500);
    await removeOwnedTree(tree);
    assert.equal(existsSync(tree), false);
    assert.equal(await readFile(join(roots, 'keep'), 'utf8'), 'root');
  });

  it("leaves what its owner may not delete, and says so: a root-owned file inside is the owner's to keep out", async () => {
    const tree = join(base, 'planted');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(join(tree, 'sub', 'roots-file'), 'root');
    await chown(tree, OWNER, OWNER);
    await chmod(join(tree, 'sub'), 0o755);
    await assert.rejects(removeOwnedTree(tree), /could not be emptied as uid/);
    assert.equal(await readFile(join(tree, 'sub', 'roots-file'), 'utf8'), 'root');
  });

  it('removes a missing path as done, and root’s own tree directly', async () => {
    await removeOwnedTree(join(base, 'never-was'));
    const own = join(base, 'own');
    await mkdir(join(own, 'a'), { recursive: true });
    await removeOwnedTree(own);
    assert.equal(existsSync(own), false);
  });
});
