import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BuildCache } from './build-cache.js';

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the build cache shared with test/support/built-apps.ts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-cache-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes over a dead owner's lock and clears what dead processes were staging, keeping the build in place", async () => {
    const cache = new BuildCache(join(dir, 'a'));
    const dead = await deadPid();
    await mkdir(join(cache.dir, 'megahit.lock'), { recursive: true });
    await writeFile(join(cache.dir, 'megahit.lock', 'pid'), String(dead));
    await mkdir(join(cache.dir, `megahit.${dead}`));
    await mkdir(join(cache.dir, 'megahit'));
    await writeFile(join(cache.dir, 'megahit', 'image.json'), '{}');
    const unlock = await cache.lock('megahit', { waitMs: 5000, waiting: () => assert.fail('a dead owner is not waited for'), stopped: () => false });
    assert.equal((await readFile(join(cache.dir, 'megahit.lock', 'pid'), 'utf8')).trim(), String(process.pid));
    assert.deepEqual((await readdir(cache.dir)).sort(), ['megahit', 'megahit.lock']);
    await unlock();
    assert.deepEqual(await readdir(cache.dir), ['megahit']);
  });

  it('waits while a live process holds the lock, and stops waiting when told', async () => {
    const cache = new BuildCache(join(dir, 'b'));
    const unlock = await cache.lock('prodigal', { waitMs: 5000, waiting: () => undefined, stopped: () => false });
    const owners: (number | null)[] = [];
    let stop = false;
    const second = cache.lock('prodigal', { waitMs: 60_000, waiting: (owner) => ((stop = true), owners.push(owner)), stopped: () => stop });
    await assert.rejects(second, /stopped/);
    assert.deepEqual(owners, [process.pid]);
    await unlock();
    const third = await cache.lock('prodigal', { waitMs: 5000, waiting: () => assert.fail('free again'), stopped: () => false });
    await third();
  });

  it('takes over a lock left without a pid a minute ago, and waits for one being made', async () => {
    const cache = new BuildCache(join(dir, 'd'));
    await mkdir(join(cache.dir, 'old.lock'), { recursive: true });
    const minutesAgo = new Date(Date.now() - 5 * 60_000);
    await utimes(join(cache.dir, 'old.lock'), minutesAgo, minutesAgo);
    const unlock = await cache.lock('old', { waitMs: 5000, waiting: () => assert.fail('an old pid-less lock is not waited for'), stopped: () => false });
    assert.equal(await readFile(join(cache.dir, 'old.lock', 'pid'), 'utf8'), String(process.pid));
    await unlock();
    await mkdir(join(cache.dir, 'new.lock'));
    const heard: (number | null)[] = [];
    await assert.rejects(cache.lock('new', { waitMs: 60_000, waiting: (owner) => heard.push(owner), stopped: () => heard.length > 0 }), /stopped/);
    assert.deepEqual(heard, [null], 'a lock just made may get its pid any moment');
  });

  it('gives a dead owner\'s lock to one waiter at a time', async () => {
    const cache = new BuildCache(join(dir, 'e'));
    await mkdir(join(cache.dir, 'app.lock'), { recursive: true });
    await writeFile(join(cache.dir, 'app.lock', 'pid'), String(await deadPid()));
    let holding = 0;
    let most = 0;
    const turn = async () => {
      const unlock = await cache.lock('app', { waitMs: 20_000, waiting: () => undefined, stopped: () => false });
      most = Math.max(most, ++holding);
      await new Promise((resolve) => setTimeout(resolve, 50));
      holding--;
      await unlock();
    };
    await Promise.all([turn(), turn(), turn()]);
    assert.equal(most, 1);
    assert.deepEqual(await readdir(cache.dir), [], 'no lock, nothing set aside');
  });

  it('refuses a cache directory others could plant a build in', async () => {
    const real = join(dir, 'f', 'builds');
    await new BuildCache(real).prepare();
    assert.equal((await stat(real)).mode & 0o777, 0o700, 'made for its owner only');
    await symlink(real, join(dir, 'f-link'));
    await assert.rejects(new BuildCache(join(dir, 'f-link')).prepare(), /is a symbolic link/);
    await chmod(real, 0o770);
    await assert.rejects(new BuildCache(real).prepare(), /others may write to the build cache .* \(mode 770\)/);
    await chmod(real, 0o700);
    await new BuildCache(real).prepare();
  });

  it('replaces a build with the staged one whole', async () => {
    const cache = new BuildCache(join(dir, 'c'));
    await mkdir(cache.folderOf('app'), { recursive: true });
    await writeFile(join(cache.folderOf('app'), 'image.json'), 'old');
    await mkdir(cache.stagingOf('app'));
    await writeFile(join(cache.stagingOf('app'), 'image.json'), 'new');
    await cache.keep('app');
    assert.equal(await readFile(join(cache.folderOf('app'), 'image.json'), 'utf8'), 'new');
    assert.deepEqual(await readdir(cache.dir), ['app']);
  });
});
