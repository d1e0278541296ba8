import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { buildBusyboxImage, buildOciArchive } from '@narrative/launcher-native';
import { failureOf, ApiError, type AppSpec, type NarrativeClient } from '@narrative/server/client';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/** The problem a refused call answered with. */
async function refusal(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  return assert.fail('the call was not refused');
}

describe('app catalog: stored images, ownership, channels, deprecation, search', () => {
  let h: Harness;
  let dir: string;
  let dave: NarrativeClient;
  let daveToken: string;
  let erin: NarrativeClient;
  let archive: string;
  let digest: string;
  let spec: AppSpec;

  before(async () => {
    h = await startHarness(['alice']);
    dir = await mkdtemp(join(tmpdir(), 'narrative-catalog-'));
    await chmod(dir, 0o711);
    const developer = async (name: string) => {
      const { token } = await h.admin.createUser(name, 'developer', `${name}-password`);
      return { client: h.client(token), token };
    };
    ({ client: dave, token: daveToken } = await developer('dave'));
    ({ client: erin } = await developer('erin'));
    // The test app's script in a busybox tree, pushed as an OCI archive: the path `narrative app register` takes.
    const tree = (await buildTestApp()).container.image.location;
    ({ location: archive, digest } = await buildOciArchive(tree, join(dir, 'image.oci.tar')));
    const testApp = await buildTestApp();
    spec = { ...testApp, id: 'dave/count-lines', categories: ['Test', 'Reads'], container: { image: { digest } } };
  });
  after(() => h.stop());

  const push = (client: NarrativeClient, d = digest, bytes?: Uint8Array) => readFile(archive).then((b) => client.pushImage(d, new Blob([bytes ?? b])));

  it('stores a pushed image in every form, checked against its digest; only developers push', async () => {
    assert.equal((await refusal(push(h.users.alice!.client))).status, 403);
    const stored = await push(dave);
    assert.equal(stored.digest, digest);
    assert.deepEqual(Object.keys(stored.forms).sort(), ['directory', 'oci-archive', 'squashfs']);
    assert.ok((await stat(join(stored.forms.directory!, 'app', 'run.sh'))).isFile());
    assert.ok((await stat(stored.forms.squashfs!)).size > 0);
    assert.equal((await h.users.alice!.client.image(digest)).digest, digest);
    assert.equal((await push(dave)).digest, digest, 'pushing again is harmless');

    const wrong = `sha256:${'0'.repeat(64)}`;
    const mislabelled = await refusal(push(dave, wrong));
    assert.equal(mislabelled.status, 422);
    assert.match(mislabelled.problem.detail, /manifest/);
    assert.equal((await refusal(push(dave, wrong, new TextEncoder().encode('not a tar at all')))).status, 422);
    assert.equal((await refusal(dave.image(wrong))).status, 404, 'a refused image leaves nothing behind');
  });

  it('takes no privilege from a pushed image: setuid bits are dropped, links outside the layer refused', async () => {
    const tree = await mkdtemp(join(dir, 'suid-'));
    await buildBusyboxImage(tree);
    await chmod(join(tree, 'bin', 'busybox'), 0o4755);
    const suid = await buildOciArchive(tree, join(dir, 'suid.oci.tar'));
    const stored = await dave.pushImage(suid.digest, new Blob([await readFile(suid.location)]));
    assert.equal((await stat(join(stored.forms.directory!, 'bin', 'busybox'))).mode & 0o6000, 0);

    const outer = await mkdtemp(join(dir, 'link-'));
    await symlink('/etc/passwd', join(outer, 'index.json'));
    await mkdir(join(outer, 'blobs'));
    const linked = join(dir, 'linked.tar');
    await promisify(execFile)('tar', ['-C', outer, '-cf', linked, 'index.json', 'blobs']);
    const refused = await refusal(dave.pushImage(`sha256:${'2'.repeat(64)}`, new Blob([await readFile(linked)])));
    assert.equal(refused.status, 422);
    assert.doesNotMatch(refused.problem.detail, /root:/);
  });

  it('registers an app on a stored image and runs it from the form the runtime takes', async () => {
    const registered = await dave.registerApp(spec);
    assert.equal(registered.channel, 'dev');
    assert.equal(registered.registeredBy, 'dave');
    const ws = await dave.createWorkspace('catalog-runs');
    const reads = await uploadReads(dave, ws.id, '@r\nACGT\n+\nIIII\n@s\nACGT\n+\nIIII\n');
    const job = await dave.waitForJob((await dave.run({ app: spec.id, ws: String(ws.id), inputs: { reads } })).id);
    assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
    const output = await dave.getObject(job.outputs![0]!);
    assert.equal(output.provenance.app?.imageDigest, digest);
  });

  it('refuses an image not stored here, a floating tag, and an unpinned recipe, each naming the field', async () => {
    const missing = await refusal(dave.registerApp({ ...spec, version: '9.0.0', container: { image: { digest: `sha256:${'1'.repeat(64)}` } } }));
    assert.equal(missing.status, 422);
    assert.ok(missing.problem.errors?.some((e) => e.path === '/container/image/digest'), JSON.stringify(missing.problem));
    const floating = await refusal(dave.request('POST', '/apps', { json: { ...spec, version: '9.0.1', container: { image: 'busybox:latest' } } }));
    assert.equal(floating.status, 400);
    assert.ok(floating.problem.errors?.some((e) => e.path === '/body/container/image'), JSON.stringify(floating.problem));
    const recipe = { suite: 'bookworm', variant: 'minbase' as const, packages: ['jq'], sourceDateEpoch: 0, files: {} };
    const unpinned = await refusal(dave.registerApp({ ...spec, version: '9.0.2', container: { image: { digest }, recipe } }));
    assert.ok(unpinned.problem.errors?.some((e) => e.path === '/body/container/recipe/packages/0' && /name=version/.test(e.message)), JSON.stringify(unpinned.problem));
    assert.equal((await dave.listApps()).filter((a) => a.version.startsWith('9.')).length, 0, 'nothing half-registered');
  });

  it('the CLI refuses a floating tag and an unpinned recipe before building anything', async () => {
    const app = join(dir, 'tagged');
    await mkdir(app);
    await writeFile(join(app, 'app.json'), JSON.stringify({ ...spec, container: { image: 'debian:latest' } }));
    const tagged = await runCli(['app', 'register', app], { url: h.server.url, home: dir, token: daveToken });
    assert.equal(tagged.code, 2);
    assert.match(tagged.stderr, /floating tag/);
    await writeFile(join(app, 'app.json'), JSON.stringify({ ...spec, container: { recipe: 'recipe.json' } }));
    await writeFile(join(app, 'recipe.json'), JSON.stringify({ suite: 'bookworm', variant: 'minbase', packages: ['jq'], sourceDateEpoch: 0, files: {} }));
    const unpinned = await runCli(['app', 'build', app], { url: h.server.url, home: dir, token: daveToken });
    assert.equal(unpinned.code, 2);
    assert.match(unpinned.stderr, /packages\[0\]: "jq" must be name=version/, 'the field, the value and what it must be, in words');
  });

  it('refuses a spec missing fields, naming each, and a recipe pinning a version the apt sources lack, leaving no image behind', async () => {
    const { outputs: _outputs, resources: _resources, ...incomplete } = spec;
    const missing = await refusal(dave.request('POST', '/apps', { json: { ...incomplete, version: '9.1.0' } }));
    assert.equal(missing.status, 400);
    for (const field of ['outputs', 'resources']) assert.match(missing.problem.detail, new RegExp(field), missing.problem.detail);

    const app = join(dir, 'unbuildable');
    await mkdir(app);
    await writeFile(join(app, 'app.json'), JSON.stringify({ ...spec, container: { recipe: 'recipe.json' } }));
    await writeFile(join(app, 'recipe.json'), JSON.stringify({ suite: 'bookworm', variant: 'minbase', packages: ['jq=0.0-no-such-version'], sourceDateEpoch: 0, files: {} }));
    const r = await runCli(['app', 'build', app, '--out', join(app, 'out')], { url: h.server.url, home: dir, timeoutMs: 5 * 60_000 });
    assert.equal(r.code, 1);
    // Refused before mmdebstrap runs (which would find out a minute in), naming what the sources have instead.
    assert.match(r.stderr, /the recipe pins a package version the apt sources do not carry/);
    assert.match(r.stderr, /jq=0\.0-no-such-version \(the sources have [^)]*1\.6-2\.1\+deb12u3/);
    assert.deepEqual(await readdir(join(app, 'out')).catch(() => []), [], 'a failed build leaves no archive and no build record');
  });

  it('an app belongs to its first developer: others cannot add versions, promote or deprecate it', async () => {
    assert.equal((await refusal(erin.registerApp({ ...spec, version: '1.1.0' }))).status, 403);
    assert.equal((await refusal(erin.promoteApp(spec.id, spec.version, 'beta'))).status, 403);
    assert.equal((await refusal(erin.deprecateApp(spec.id, spec.version, 'mine now'))).status, 403);
    assert.equal((await refusal(h.users.alice!.client.promoteApp(spec.id, spec.version, 'beta'))).status, 403, 'users are not developers');
  });

  it('channels move forward only: the developer to beta, an admin to release', async () => {
    assert.equal((await dave.promoteApp(spec.id, spec.version, 'beta')).channel, 'beta');
    const release = await refusal(dave.promoteApp(spec.id, spec.version, 'release'));
    assert.equal(release.status, 403);
    assert.match(release.problem.detail, /admin/);
    assert.equal((await h.admin.promoteApp(spec.id, spec.version, 'release')).channel, 'release');
    assert.equal((await refusal(dave.promoteApp(spec.id, spec.version, 'beta'))).status, 409);
    assert.equal((await dave.app(spec.id, spec.version)).channel, 'release');
  });

  it('lists by category, words and channel; deprecated versions leave the catalog but still run', async () => {
    await dave.registerApp({ ...spec, version: '1.1.0' });
    const byCategory = await dave.listApps({ category: 'reads' });
    assert.deepEqual(byCategory.map((a) => a.version), ['1.0.0', '1.1.0']);
    assert.equal((await dave.listApps({ category: 'Assembly' })).filter((a) => a.id === spec.id).length, 0);
    assert.deepEqual((await dave.listApps({ q: 'count LINES', latest: true })).filter((a) => a.id === spec.id).map((a) => a.version), ['1.1.0']);
    assert.deepEqual((await dave.listApps({ channel: 'release' })).filter((a) => a.id === spec.id).map((a) => a.version), ['1.0.0']);

    const deprecated = await dave.deprecateApp(spec.id, '1.1.0', 'counts wrong on empty files');
    assert.equal(deprecated.deprecated?.reason, 'counts wrong on empty files');
    assert.deepEqual((await dave.listApps({ category: 'reads' })).map((a) => a.version), ['1.0.0']);
    assert.deepEqual((await dave.listApps({ category: 'reads', deprecated: true })).map((a) => a.version), ['1.0.0', '1.1.0']);
    assert.equal((await dave.app(spec.id)).version, '1.0.0', 'the newest version not deprecated is the default');
    assert.equal((await refusal(dave.promoteApp(spec.id, '1.1.0', 'beta'))).status, 409);
    const ws = await dave.createWorkspace('deprecated-runs');
    const reads = await uploadReads(dave, ws.id, '@r\nACGT\n+\nIIII\n');
    const job = await dave.waitForJob((await dave.run({ app: spec.id, version: '1.1.0', ws: String(ws.id), inputs: { reads } })).id);
    assert.equal(job.state, 'completed', 'an old narrative that used it still re-runs');
  });
});
