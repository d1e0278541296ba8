import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LockedVersionsUnavailable, madisonVersions } from './apt-availability.js';
import { aptPreferences, lockProblems, unpinLayer } from './package-lock.js';

const run = promisify(execFile);

/** mmdebstrap's own tar options under SOURCE_DATE_EPOCH. */
const MMDEBSTRAP_TAR = ['--sort=name', '--mtime=@1735689600', '--clamp-mtime', '--numeric-owner', '--format=pax', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime'];

describe('package lock', () => {
  it('pins every package at its version, above any release so apt may go back to an older one', () => {
    assert.equal(aptPreferences({ jq: '1.6-2.1+deb12u3', prodigal: '1:2.6.3-6' }),
      'Package: jq\nPin: version 1.6-2.1+deb12u3\nPin-Priority: 1001\n\nPackage: prodigal\nPin: version 1:2.6.3-6\nPin-Priority: 1001\n');
  });

  it('refuses entries that are no package name and version, since they reach an apt preferences file', () => {
    assert.deepEqual(lockProblems({ jq: '1.6-2.1+deb12u3' }), []);
    assert.equal(lockProblems({ jq: '1.6\nPackage: *' }).length, 1);
    assert.equal(lockProblems({ 'Bad Name': '1.0' }).length, 1);
    assert.deepEqual(lockProblems({}), ['the lock names no packages']);
  });

  it('takes the pins out of a root file system tar, leaving the bytes of one built without them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'package-lock-test-'));
    try {
      const root = join(dir, 'root');
      await mkdir(join(root, 'etc', 'apt', 'preferences.d'), { recursive: true });
      await mkdir(join(root, 'usr', 'bin'), { recursive: true });
      await writeFile(join(root, 'usr', 'bin', 'tool'), 'x'.repeat(30_000));
      await run('tar', [...MMDEBSTRAP_TAR, '-C', root, '-cf', join(dir, 'unpinned.tar'), '.']);
      await writeFile(join(root, 'etc', 'apt', 'preferences.d', 'narrative-lock'), aptPreferences({ tool: '1.0-1' }));
      await run('tar', [...MMDEBSTRAP_TAR, '-C', root, '-cf', join(dir, 'pinned.tar'), '.']);
      await unpinLayer(join(dir, 'pinned.tar'));
      assert.deepEqual(await readFile(join(dir, 'pinned.tar')), await readFile(join(dir, 'unpinned.tar')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('locked versions the apt sources still carry', () => {
  it('reads every version apt-cache madison lists', () => {
    const output = [
      '        jq | 1.6-2.1+deb12u3 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages',
      '        jq | 1.6-2.1+deb12u2 | http://deb.debian.org/debian bookworm/main amd64 Packages',
      '  prodigal |  1:2.6.3-6 | http://deb.debian.org/debian bookworm/main amd64 Packages',
      '',
    ].join('\n');
    assert.deepEqual([...madisonVersions(output)].map(([n, v]) => [n, [...v]]), [['jq', ['1.6-2.1+deb12u3', '1.6-2.1+deb12u2']], ['prodigal', ['1:2.6.3-6']]]);
  });

  it('names each missing version with what the sources have instead', () => {
    const error = new LockedVersionsUnavailable([{ name: 'jq', version: '0.0-nonexistent', available: ['1.6-2.1+deb12u3'] }, { name: 'gone', version: '1.0', available: [] }]);
    assert.match(error.message, /^2 locked package versions are no longer in the apt sources/);
    assert.match(error.message, /^ {2}jq=0\.0-nonexistent \(the sources have 1\.6-2\.1\+deb12u3\)$/m);
    assert.match(error.message, /^ {2}gone=1\.0 \(the sources have no version of it\)$/m);
  });
});
