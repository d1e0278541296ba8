import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NarrativeClient } from '@narrative/server/client';
import { BUILT_APPS_CACHE } from '../support/built-apps.js';
import { cliHomeIn, runCli } from '../support/cli.js';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { runOnKernel } from '../support/kernel-run.js';
import { needs, needsRoot } from '../support/prerequisites.js';

/**
 * A lean kernel image (python3, ipykernel and matplotlib), built as the bundled builder
 * builds apps-catalog/kernels on a first start: the mechanics are the same, and the full
 * scientific image (1.3 GB, some 13 minutes cold) would not fit the test run. The
 * browser test of code cells (first-start's second) shares this one build.
 */
const KERNELS = fileURLToPath(new URL('../../fixtures/kernels/', import.meta.url));
/** A cold build takes a minute or two; a cached one only the storing. */
const READY_WITHIN_MS = 18 * 60_000;

interface Session {
  id: string;
  kernel: { id: string; name: string };
}

interface KernelImageInfo {
  digest: string;
  kernelspec: string;
  displayName: string;
  withdrawnAt: string | null;
  stored: boolean;
}

const skip = needsRoot("each user's kernels run under a uid of their own only when the server is root")
  || needs("Debian's mmdebstrap and Charliecloud's ch-run (npm run setup installs them)", existsSync('/usr/bin/mmdebstrap') && existsSync('/usr/bin/ch-run'));

/** Kernels in an image are given twice the time: starting one means starting its container too. */
const run = (h: Harness, token: string, kernel: string, code: string): Promise<string> => runOnKernel(h, token, kernel, code, { timeoutMs: 120_000 });

async function startSession(h: Harness, token: string, path: string, kernel: string): Promise<Session> {
  const response = await h.fetch('/api/sessions', { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify({ path, type: 'notebook', name: '', kernel: { name: kernel } }) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as Session;
}

async function kernelspecs(h: Harness, token: string): Promise<{ default: string; kernelspecs: Record<string, { spec: { display_name: string } }> }> {
  const response = await h.fetch('/api/kernelspecs', { headers: bearer(token) });
  assert.equal(response.status, 200);
  return (await response.json()) as { default: string; kernelspecs: Record<string, { spec: { display_name: string } }> };
}

async function kernelImages(client: NarrativeClient): Promise<KernelImageInfo[]> {
  return client.request<KernelImageInfo[]>('GET', '/kernel-images');
}

/** What the kernel says of itself: where it runs, as whom, in which image. */
const FACTS = `
import json, os, sys, tempfile
root = next(l.split()[3] for l in open('/proc/self/mountinfo') if l.split()[4] == '/')
print(json.dumps({'uid': os.getuid(), 'image': os.environ.get('NARRATIVE_KERNEL_IMAGE'), 'root': root, 'executable': sys.executable,
  'home': os.path.expanduser('~'), 'tmp': tempfile.gettempdir(), 'cwd': os.getcwd(), 'os': open('/etc/os-release').read(),
  'jupyter_server': __import__('importlib.util').util.find_spec('jupyter_server') is not None,
  'interfaces': [l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]]}))
`;

describe('code cells in a kernel image pinned by digest', { skip }, () => {
  let h: Harness;
  let alice: string;
  let image: KernelImageInfo;
  let session: Session;
  let bundledDir: string;

  before(async () => {
    // No bundled apps, only the kernel image: built (or found in the tests' shared build cache, under `kernel-python-matplotlib`) and offered as on a first start.
    bundledDir = await mkdtemp(join(tmpdir(), 'narrative-no-apps-'));
    h = await startHarness(['alice', 'bob'], {
      kernels: { enabled: true, python: '/usr/bin/python3', imagesDir: KERNELS },
      bundledApps: 'on', bundledAppsDir: bundledDir, buildCache: BUILT_APPS_CACHE,
    });
    alice = h.users.alice!.token;
    const until = Date.now() + READY_WITHIN_MS;
    for (;;) {
      const status = await h.admin.bundledApps();
      const kernel = status.apps.find((a) => a.id === 'kernel/python-matplotlib');
      assert.ok(kernel, `the kernel image is listed in the bundled progress: ${JSON.stringify(status)}`);
      if (kernel.state === 'ready') break;
      assert.notEqual(kernel.state, 'failed', JSON.stringify(kernel));
      if (Date.now() > until) assert.fail(`the kernel image is not ready after ${READY_WITHIN_MS} ms: ${JSON.stringify(kernel)}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const offered = await kernelImages(h.users.alice!.client);
    assert.equal(offered.length, 1, JSON.stringify(offered));
    image = offered[0]!;
    assert.ok(image.stored, JSON.stringify(image));
    session = await startSession(h, alice, 'a.ipynb', image.kernelspec);
  });
  after(async () => {
    await h?.stop();
    await rm(bundledDir, { recursive: true, force: true });
  });

  it('offers exactly the image, named by its digest, as the default kernel; the host python is gone from the picker', async () => {
    assert.match(image.kernelspec, /^narrative-python-[0-9a-f]{12}$/);
    assert.equal(image.kernelspec, `narrative-python-${image.digest.slice(7, 19)}`);
    const specs = await kernelspecs(h, alice);
    assert.deepEqual(Object.keys(specs.kernelspecs), [image.kernelspec]);
    assert.equal(specs.default, image.kernelspec);
    assert.match(specs.kernelspecs[image.kernelspec]!.spec.display_name, /^Python 3 · matplotlib \(sha256:[0-9a-f]{12}…\)$/);
    // A kernel not offered does not start, whatever it is called.
    const refused = await h.fetch('/api/kernels', { method: 'POST', headers: { ...bearer(alice), 'Content-Type': 'application/json' }, body: '{"name":"python3"}' });
    assert.ok(refused.status >= 400 && refused.status < 500, `python3: ${refused.status}`);
  });

  it("runs the kernel inside the image, as the user's own uid, NARRATIVE_KERNEL_IMAGE its digest", async () => {
    const facts = JSON.parse(await run(h, alice, session.kernel.id, FACTS)) as Record<string, unknown>;
    const id = (await h.server.ctx.store.findUserByName('alice'))!.id;
    assert.equal(facts['uid'], 2_000_000_000 + id, "alice's allocated uid, not root");
    assert.equal(facts['image'], image.digest);
    const stored = await h.server.ctx.images.get(image.digest);
    assert.equal(facts['root'], stored!.forms.directory, "the container's root is the image's directory form");
    assert.equal(facts['executable'], '/usr/bin/python3');
    assert.match(String(facts['os']), /bookworm/);
    // jupyter_server is on this machine's python (it runs the user's server), not in the image: the kernel's python is the image's.
    assert.equal(facts['jupyter_server'], false);
    assert.equal(facts['home'], '/home/narrative-kernel-' + id);
    assert.equal(facts['cwd'], facts['home']);
    assert.equal(facts['tmp'], '/tmp');
  });

  it("gives the kernel a private /tmp (the user's own) and home, and no network: only a downed loopback", async () => {
    const id = (await h.server.ctx.store.findUserByName('alice'))!.id;
    const name = `narrative-kernel-image-${process.pid}-${Date.now()}`;
    const printed = await run(h, alice, session.kernel.id, `
import os, socket
open('/tmp/${name}', 'w').write('private')
open(os.path.expanduser('~/${name}'), 'w').write('home')
def attempt(address):
    try:
        socket.create_connection(address, timeout=3).close()
        return 'connected'
    except OSError as e:
        return type(e).__name__
print(attempt(('127.0.0.1', ${h.server.port})), attempt(('1.1.1.1', 53)))
`);
    assert.deepEqual(printed.trim().split(' '), ['OSError', 'OSError'], 'neither this server nor the outside is reachable');
    const userDir = join(h.home, 'run', 'jupyter', String(id));
    await access(join(userDir, 'tmp', name));
    await access(join(userDir, 'home', name));
    assert.equal(existsSync(join('/tmp', name)), false, "not in the machine's /tmp");
    const facts = JSON.parse(await run(h, alice, session.kernel.id, FACTS)) as { interfaces: string[] };
    assert.deepEqual(facts.interfaces, ['lo']);
  });

  it('pins new narratives to the image, and re-opens one into the same digest after the image is withdrawn', async () => {
    const client = h.users.alice!.client;
    const narrative = await client.createNarrative('Pinned');
    const model = (await (await h.fetch(`/api/v1/contents/${narrative.path.split('/').map(encodeURIComponent).join('/')}`, { headers: bearer(alice) })).json()) as { content: { metadata: { kernelspec: { name: string; display_name: string } } } };
    assert.equal(model.content.metadata.kernelspec.name, image.kernelspec);
    // Withdrawn: offered to no new narrative, the host python back as the fallback, and the pinned narrative still starts its image.
    const cli = { url: h.server.url, home: await cliHomeIn(h.home), token: h.server.adminToken! };
    const withdrawn = await runCli(['kernel-image', 'withdraw', image.digest], cli);
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    const listed = await runCli(['kernel-image', 'list', '--json'], cli);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as KernelImageInfo[])[0]!.withdrawnAt, listed.stdout);
    const specs = await kernelspecs(h, alice);
    assert.deepEqual(Object.keys(specs.kernelspecs).sort(), [image.kernelspec, 'python3'].sort());
    assert.match(specs.kernelspecs[image.kernelspec]!.spec.display_name, /withdrawn/);
    assert.equal((await client.createNarrative('After')).id > narrative.id, true);
    const reopened = await startSession(h, alice, narrative.path, model.content.metadata.kernelspec.name);
    assert.equal(reopened.kernel.name, image.kernelspec);
    assert.equal((await run(h, alice, reopened.kernel.id, "import os; print(os.environ['NARRATIVE_KERNEL_IMAGE'])")).trim(), image.digest);
    const offered = await runCli(['kernel-image', 'offer', image.digest, '--name', 'Python 3 · matplotlib', '--kernel-version', '1.0.0', '--json'], cli);
    assert.equal(offered.code, 0, offered.stderr);
    assert.deepEqual(Object.keys((await kernelspecs(h, alice)).kernelspecs), [image.kernelspec]);
  });

  it('starts, for an image no longer stored, a kernel that answers every cell with why', async () => {
    const gone = `sha256:${'e'.repeat(64)}`;
    await h.server.ctx.store.offerKernelImage({ digest: gone, name: 'Python 3 · old', version: '0.9.0', offeredBy: null, offeredAt: '2020-01-01T00:00:00.000Z' });
    // Any change of the offers rewrites the kernelspecs: offering the real one again is one.
    const again = await h.fetch('/api/v1/kernel-images', { method: 'POST', headers: { ...bearer(h.server.adminToken!), 'Content-Type': 'application/json' }, body: JSON.stringify({ digest: image.digest, name: 'Python 3 · matplotlib', version: '1.0.0' }) });
    assert.equal(again.status, 201, await again.text());
    const name = `narrative-python-${'e'.repeat(12)}`;
    assert.match((await kernelspecs(h, alice)).kernelspecs[name]!.spec.display_name, /no longer on this server/);
    const explained = await startSession(h, alice, 'old.ipynb', name);
    await assert.rejects(run(h, alice, explained.kernel.id, 'print(1)'), /KernelImageGone: .*sha256:e{64}, which is no longer on this server/);
  });
});
