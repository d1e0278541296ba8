import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BundledApp } from '../schemas/bundled.js';
import { BundledProgress, condensed, forUsers, percentOf } from './progress.js';

describe('bundled app progress', () => {
  it('reads a percentage off the phases of a build, in the order they come, and none off other lines', () => {
    const lines = [
      'installing Debian bookworm (minbase) with megahit=1.2.9-4', 'running apt-get update...', 'downloading packages with apt...', 'extracting archives...',
      'installing essential packages...', 'installing remaining packages inside the chroot...', 'cleaning package lists and apt cache...', 'creating tarball...',
      'adding the app files', 'packing the OCI archive', 'checking and unpacking', 'packing SquashFS',
    ];
    const percents = lines.map(percentOf);
    assert.ok(percents.every((p) => p !== null && p > 0 && p < 100), String(percents));
    assert.deepEqual(percents, [...percents].sort((a, b) => a! - b!), 'they only move forward');
    assert.equal(percentOf('using /tmp/mmdebstrap.x as tempdir'), null);
    assert.equal(percentOf(''), null);
  });

  it('tells listeners of real changes only, and is done once every app is ready or failed', () => {
    const progress = new BundledProgress(true, '');
    progress.add({ id: 'genomics/a', version: '1.0', name: 'A' });
    progress.add({ id: 'genomics/b', version: '2.0', name: 'B' });
    const heard: BundledApp[] = [];
    progress.onChange((app) => heard.push(app));
    progress.onChange(() => {
      throw new Error('a broken listener');
    });
    assert.equal(progress.snapshot().done, false);
    progress.update('genomics/a@1.0', { state: 'building', percent: 15 });
    progress.update('genomics/a@1.0', { state: 'building', percent: 15 });
    progress.update('genomics/none@1.0', { state: 'ready' });
    assert.deepEqual(heard.map((a) => `${a.id} ${a.state} ${a.percent}`), ['genomics/a building 15'], 'once, and a broken listener stops nothing');
    progress.update('genomics/a@1.0', { state: 'ready', percent: 100 });
    progress.update('genomics/b@2.0', { state: 'failed', error: 'mmdebstrap is not installed' });
    const done = progress.snapshot();
    assert.equal(done.done, true);
    assert.deepEqual(done.apps.map((a) => [a.id, a.state, a.error]), [['genomics/a', 'ready', null], ['genomics/b', 'failed', 'mmdebstrap is not installed']]);
  });

  it('says why when off, with nothing to wait for', () => {
    assert.deepEqual(new BundledProgress(false, 'NARRATIVE_BUNDLED_APPS is off').snapshot(), { enabled: false, message: 'NARRATIVE_BUNDLED_APPS is off', done: true, apps: [] });
  });

  it("shows a user who is not an admin each error's first line, without the server's paths and process ids", () => {
    const progress = new BundledProgress(true, 'Not built, as they are not apps: x: cannot read /srv/apps/x/app.json: EACCES');
    progress.add({ id: 'genomics/a', version: '1.0', name: 'A' });
    progress.add({ id: 'genomics/b', version: '2.0', name: 'B' });
    progress.update('genomics/a@1.0', { state: 'failed', error: "mmdebstrap failed (exit 25): see /tmp/mmdebstrap.x/log\nE: Version '0.0' for 'megahit' was not found" });
    progress.update('genomics/b@2.0', { state: 'building', message: 'waiting for another build of this app to finish (process 4242)' });
    const seen = forUsers(progress.snapshot());
    assert.equal(seen.message, 'Not built, as they are not apps: x: cannot read …: EACCES');
    assert.equal(seen.apps[0]!.error, 'mmdebstrap failed (exit 25): see …');
    assert.equal(seen.apps[1]!.message, 'waiting for another build of this app to finish (another process)');
    assert.equal(seen.apps[1]!.error, null);
    assert.equal(forUsers({ ...seen, message: 'from http://deb.debian.org/debian' }).message, 'from http://deb.debian.org/debian', 'a URL is not a path');
  });

  it("keeps of a failure what failed and the tools' error lines", () => {
    const mmdebstrap = [
      'mmdebstrap failed (exit 25):', 'I: automatically chosen mode: root', 'I: running apt-get update...', 'Reading package lists...',
      "E: Version '0.0-nonexistent' for 'megahit' was not found", `E: setup failed: E: apt-get ${'-o X '.repeat(100)}failed`, 'I: removing tempdir /tmp/x...', 'E: mmdebstrap failed to run',
    ].join('\n');
    const short = condensed(mmdebstrap).split('\n');
    assert.equal(short[0], 'mmdebstrap failed (exit 25):');
    assert.equal(short[1], "E: Version '0.0-nonexistent' for 'megahit' was not found");
    assert.equal(short.length, 4);
    assert.ok(short.every((l) => l.length <= 241));
    assert.equal(condensed('the recipe names run, which is not in /x'), 'the recipe names run, which is not in /x');
    assert.equal(condensed(['it broke', 'a', 'b', 'c', 'd', 'e'].join('\n')), ['it broke', 'b', 'c', 'd', 'e'].join('\n'));
  });
});
