import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseDpkgStatus, tarPackages } from './dpkg-status.js';

const run = promisify(execFile);

const STATUS = [
  'Package: jq\nStatus: install ok installed\nPriority: optional\nVersion: 1.6-2.1+deb12u3\nDepends: libjq1 (= 1.6-2.1+deb12u3)',
  'Package: old-tool\nStatus: deinstall ok config-files\nVersion: 1.0-1',
  'Package: base-files\nEssential: yes\nStatus: install ok installed\nVersion: 12.4+deb12u15',
].join('\n\n');

describe('dpkg status: the packages inside an image', () => {
  it('lists installed packages by name, sorted, leaving out removed ones that kept their configuration', () => {
    assert.deepEqual(Object.entries(parseDpkgStatus(`${STATUS}\n`)), [['base-files', '12.4+deb12u15'], ['jq', '1.6-2.1+deb12u3']]);
  });

  it('reads them from a root file system tar without unpacking it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dpkg-status-test-'));
    try {
      await mkdir(join(dir, 'root', 'var', 'lib', 'dpkg'), { recursive: true });
      await writeFile(join(dir, 'root', 'var', 'lib', 'dpkg', 'status'), STATUS);
      await run('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'layer.tar'), '.']);
      assert.deepEqual(await tarPackages(join(dir, 'layer.tar')), { 'base-files': '12.4+deb12u15', jq: '1.6-2.1+deb12u3' });
      await rm(join(dir, 'root', 'var', 'lib', 'dpkg'), { recursive: true });
      await run('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'none.tar'), '.']);
      await assert.rejects(tarPackages(join(dir, 'none.tar')), /no readable dpkg status/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
