import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NarrativeClient } from '@narrative/server/client';
import { registerBuiltApp } from '../support/built-apps.js';
import { runCli, type CliTarget } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';

const APPS = fileURLToPath(new URL('../../../apps-catalog/apps/', import.meta.url));
/** The two cheapest catalog apps: a small tool and jq each. */
const APP_DIRS = ['prodigal', 'assembly-stats'] as const;
const REBUILD_TIMEOUT_MS = 15 * 60_000;

interface Verification {
  same: boolean;
  registered: string;
  rebuilt: string;
  lockedPackages: number;
  packagesOffLock: unknown[];
}

/**
 * `narrative app verify-image`: a registered app's image rebuilt from the
 * recipe stored with it and its lock (every Debian package at the version the
 * image holds), the digests compared; and the refusal, naming the package,
 * when the apt sources no longer carry a locked version. The images are
 * registered from the per-user build cache (test/support/built-apps.ts), so
 * only the two rebuilds are built here.
 */
describe('verify-image: rebuild from recipe + lock, same digest; a lost version refused by name', () => {
  let h: Harness;
  let dir: string;
  let dave: NarrativeClient;
  let cli: CliTarget;
  const apps = new Map<(typeof APP_DIRS)[number], { ref: string; digest: string }>();

  const verify = (app: (typeof APP_DIRS)[number], ...extra: string[]) =>
    runCli(['app', 'verify-image', apps.get(app)!.ref, '--source', join(APPS, app), ...extra], { ...cli, timeoutMs: REBUILD_TIMEOUT_MS });

  before(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), 'narrative-verify-image-test-'));
    await chmod(dir, 0o711);
    const { token } = await h.admin.createUser('dave', 'developer', 'dave-password');
    dave = h.client(token);
    cli = { url: h.server.url, home: dir, token };
    for (const app of APP_DIRS) {
      await registerBuiltApp(app, cli);
      const spec = JSON.parse(await readFile(join(APPS, app, 'app.json'), 'utf8')) as { id: string; version: string };
      apps.set(app, { ref: `${spec.id}@${spec.version}`, digest: (await dave.app(spec.id, spec.version)).spec.container.image.digest });
    }
  });
  after(async () => {
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds both apps from recipe and lock with the registered digest', async () => {
    // Side by side: each rebuild waits on Debian's mirror as much as on the cores.
    const [json, human] = await Promise.all([verify('prodigal', '--json'), verify('assembly-stats')]);
    assert.equal(json.code, 0, `prodigal: ${json.stderr}${json.stdout}`);
    const result = JSON.parse(json.stdout) as Verification;
    const { digest } = apps.get('prodigal')!;
    const lock = (await dave.image(digest)).packages;
    assert.ok(Object.keys(lock).length > 50, 'the lock is every package in the image, not only the recipe pins');
    assert.deepEqual(
      { same: result.same, registered: result.registered, rebuilt: result.rebuilt, lockedPackages: result.lockedPackages, packagesOffLock: result.packagesOffLock },
      { same: true, registered: digest, rebuilt: digest, lockedPackages: Object.keys(lock).length, packagesOffLock: [] },
    );

    assert.equal(human.code, 0, `assembly-stats: ${human.stderr}${human.stdout}`);
    const [verdict, ...fields] = human.stdout.trimEnd().split('\n');
    assert.equal(verdict, 'same', human.stdout);
    assert.match(fields.join('\n'), new RegExp(`^rebuilt +${apps.get('assembly-stats')!.digest}$`, 'm'));
    assert.match(human.stderr, /checking that the apt sources still carry the \d+ locked package versions/, 'it says what it does');
  });

  it('refuses a lock naming a version the apt sources do not carry, naming the package, and builds nothing', async () => {
    const { digest } = apps.get('prodigal')!;
    // The lock is the stored image's package list. Debian's mirrors cannot be made to forget a
    // version, so the lock is made to name one they never had.
    const info = join(h.home, 'images', 'sha256', digest.slice('sha256:'.length), 'image.json');
    const stored = JSON.parse(await readFile(info, 'utf8')) as { packages: Record<string, string> };
    assert.ok(stored.packages.jq, 'jq is in the image');
    await writeFile(info, JSON.stringify({ ...stored, packages: { ...stored.packages, jq: '0.0-nonexistent' } }));

    const out = join(dir, 'refused');
    const r = await verify('prodigal', '--out', out);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '', 'no verdict: nothing was rebuilt to compare');
    assert.match(r.stderr, /cannot rebuild genomics\/prodigal@[^ ]+ from its lock: 1 locked package version is no longer in the apt sources/);
    assert.match(r.stderr, /^ {2}jq=0\.0-nonexistent \(the sources have [^)]*1\.6-2\.1\+deb12u3[^)]*\)$/m, r.stderr);
    assert.equal(await stat(out).catch(() => null), null, 'no build was started');
  });
});
