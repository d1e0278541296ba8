import assert from 'node:assert/strict';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { failureOf } from '@narrative/server/client';
import { bearer, startHarness, type Harness } from '../support/harness.js';
import { runOnKernel as run } from '../support/kernel-run.js';
import { needsRoot } from '../support/prerequisites.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

interface Session {
  id: string;
  kernel: { id: string };
}

/** What A's code told about itself: where its secrets are. */
interface Facts {
  uid: number;
  gid: number;
  groups: number[];
  pid: number;
  server_pid: number;
  connection_file: string;
  info: { ip: string; transport: string; shell_port: number; iopub_port: number; key: string };
  home_file: string;
  tmp_file: string;
  HOME: string;
  TMPDIR: string;
  socket: string;
  limits: string;
}

const skip = needsRoot("each user's kernels run under a uid of their own only when the server is root");


async function startSession(h: Harness, token: string, path: string): Promise<Session> {
  const response = await h.fetch('/api/sessions', { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify({ path, type: 'notebook', name: '', kernel: { name: 'python3' } }) });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as Session;
}

async function kernelsOf(h: Harness, token: string): Promise<unknown[]> {
  return (await (await h.fetch('/api/kernels', { headers: bearer(token) })).json()) as unknown[];
}

async function eventually(what: string, check: () => Promise<boolean>, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${seconds} s: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const gone = (path: string) => access(path).then(() => false, () => true);

/** A's code: leaves secrets in its home and TMPDIR and tells where they are and where its kernel's are. */
const A_FACTS = `
import json, os, pathlib, tempfile, ipykernel
cf = ipykernel.get_connection_file()
home_file = pathlib.Path.home() / 'secret.txt'; home_file.write_text('alice home secret')
tmp_file = pathlib.Path(tempfile.gettempdir()) / 'secret.txt'; tmp_file.write_text('alice tmp secret')
print(json.dumps({'uid': os.getuid(), 'gid': os.getgid(), 'groups': os.getgroups(), 'pid': os.getpid(), 'server_pid': os.getppid(),
  'connection_file': cf, 'info': json.load(open(cf)), 'home_file': str(home_file), 'tmp_file': str(tmp_file),
  'HOME': os.environ['HOME'], 'TMPDIR': tempfile.gettempdir(), 'socket': os.path.join(os.environ['JUPYTER_RUNTIME_DIR'], 'jupyter.sock'),
  'limits': open('/proc/self/limits').read()}))
`;

/** B's code: tries each of A's secrets and the platform's files; prints what each attempt got. */
function bTries(a: Facts, data: string): string {
  return `
import json, os, socket, sqlite3
a = json.loads(${JSON.stringify(JSON.stringify(a))})
data = ${JSON.stringify(data)}
results = {}
def attempt(name, fn):
    try:
        results[name] = 'GOT ' + repr(fn())[:60]
    except Exception as e:
        results[name] = 'refused: ' + type(e).__name__
def read(path, mode='rb'):
    with open(path, mode) as f:
        return f.read(16)
def unix(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    try:
        s.connect(path)
        return 'connected'
    finally:
        s.close()
def drive_with_key():
    from jupyter_client import BlockingKernelClient
    kc = BlockingKernelClient()
    kc.load_connection_info(a['info'])
    kc.start_channels()
    try:
        kc.execute('print(1)')
        return kc.get_shell_msg(timeout=3)
    finally:
        kc.stop_channels()
attempt("A's connection file", lambda: read(a['connection_file']))
attempt("A's file in its home", lambda: read(a['home_file']))
attempt("A's file in its TMPDIR", lambda: read(a['tmp_file']))
attempt("A's kernel memory", lambda: read('/proc/%d/mem' % a['pid']))
attempt("A's kernel environment", lambda: read('/proc/%d/environ' % a['pid']))
attempt("A's Jupyter server environment (its token)", lambda: read('/proc/%d/environ' % a['server_pid']))
attempt("A's directory, listed", lambda: os.listdir(os.path.dirname(a['HOME'])))
attempt('the data directory, listed', lambda: os.listdir(data))
attempt('run/jupyter, listed', lambda: os.listdir(os.path.join(data, 'run', 'jupyter')))
attempt('blobs, listed', lambda: os.listdir(os.path.join(data, 'blobs')))
for name in ['narrative.sqlite', 'narrative.sqlite-wal', 'narrative.sqlite-shm', 'admin-token']:
    attempt(name, lambda name=name: read(os.path.join(data, name)))
attempt('the database through sqlite', lambda: sqlite3.connect('file:%s?mode=ro' % os.path.join(data, 'narrative.sqlite'), uri=True).execute('select count(*) from users').fetchall())
attempt("A's kernel shell socket", lambda: unix('%s-%d' % (a['info']['ip'], a['info']['shell_port'])))
attempt("A's kernel iopub socket", lambda: unix('%s-%d' % (a['info']['ip'], a['info']['iopub_port'])))
attempt("A's kernel driven with its key", drive_with_key)
attempt("A's Jupyter server's socket", lambda: unix(a['socket']))
print(json.dumps(results))
`;
}

describe("code cells: each user's kernels in a sandbox of their own", { skip }, () => {
  let h: Harness;
  let alice: string;
  let bob: string;
  let a: Facts;
  let b: Facts;
  let sa: Session;
  let sb: Session;

  before(async () => {
    h = await startHarness(['alice', 'bob', 'erin'], { kernels: { enabled: true, python: '/usr/bin/python3', memoryMiB: 2048, processes: 300 } });
    alice = h.users.alice!.token;
    bob = h.users.bob!.token;
    [sa, sb] = await Promise.all([startSession(h, alice, 'a.ipynb'), startSession(h, bob, 'b.ipynb')]);
    // B's facts too: B's code is the same code, so what differs between the two is the sandbox.
    [a, b] = (await Promise.all([run(h, alice, sa.kernel.id, A_FACTS), run(h, bob, sb.kernel.id, A_FACTS)])).map((printed) => JSON.parse(printed) as Facts) as [Facts, Facts];
  });
  after(() => h?.stop());

  it('runs A and B under different uids of their own: not root, not the server, not the apps, no groups', () => {
    const runner = h.server.ctx.execution?.runAs?.uid;
    for (const f of [a, b]) {
      assert.notEqual(f.uid, 0);
      assert.notEqual(f.uid, process.getuid?.());
      assert.notEqual(f.uid, runner);
      assert.equal(f.gid, f.uid, 'an allocated uid has the gid of the same number');
      assert.deepEqual(f.groups, []);
      assert.ok(f.HOME.startsWith(join(h.home, 'run', 'jupyter')), f.HOME);
      assert.ok(f.TMPDIR.startsWith(join(h.home, 'run', 'jupyter')), f.TMPDIR);
      assert.equal(f.info.transport, 'ipc', 'kernels listen on sockets in a private directory, not on TCP ports');
    }
    assert.notEqual(a.uid, b.uid);
    assert.notEqual(a.HOME, b.HOME);
  });

  it("refuses every attempt of B's code on A's kernel, A's files, the data directory and the database", async () => {
    const results = JSON.parse(await run(h, bob, sb.kernel.id, bTries(a, h.home))) as Record<string, string>;
    assert.ok(Object.keys(results).length >= 18, JSON.stringify(results));
    for (const [attempt, got] of Object.entries(results)) assert.match(got, /^refused: /, `${attempt}: ${got}`);
    assert.match(results["A's connection file"]!, /PermissionError/);
    assert.match(results["A's kernel driven with its key"]!, /Empty/, 'no answer, even with the key');
  });

  it("refuses B's code A's job directory (its log, in/, out/, result.json), while A's job completes", async () => {
    const app = await buildTestApp();
    await h.admin.registerApp(app);
    const client = h.users.alice!.client;
    const ws = (await client.createWorkspace('alice-jobs')).id;
    const reads = await uploadReads(client, ws, '@r1\nACGT\n+\nIIII\n');
    const job = await client.waitForJob((await client.run({ app: app.id, ws: String(ws), inputs: { reads }, params: {} })).id);
    assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
    assert.equal(job.outputs?.length, 1);
    const dir = join(h.home, 'jobs', String(job.id));
    const made = await stat(dir);
    assert.deepEqual([made.uid, made.gid, made.mode & 0o777], [0, h.server.ctx.execution!.runAs!.gid, 0o710], 'root:<the apps\' gid> 0710');
    const results = JSON.parse(await run(h, bob, sb.kernel.id, `
import json, os
d = ${JSON.stringify(dir)}
def read(name):
    with open(os.path.join(d, name), 'rb') as f:
        return f.read(16)
results = {}
for name, fn in [('listed', lambda: os.listdir(d)), ('log.jsonl', lambda: read('log.jsonl')), ('in/, listed', lambda: os.listdir(os.path.join(d, 'in'))),
                 ('in/params.json', lambda: read('in/params.json')), ('out/, listed', lambda: os.listdir(os.path.join(d, 'out'))),
                 ('out/lines.txt', lambda: read('out/lines.txt')), ('result.json', lambda: read('result.json'))]:
    try:
        results[name] = 'GOT ' + repr(fn())[:60]
    except Exception as e:
        results[name] = 'refused: ' + type(e).__name__
print(json.dumps(results))
`)) as Record<string, string>;
    assert.equal(Object.keys(results).length, 7);
    for (const [attempt, got] of Object.entries(results)) assert.equal(got, 'refused: PermissionError', `A's job directory, ${attempt}: ${got}`);
  });

  it("keeps the memory and process limits in force in the kernel, where its code cannot raise them", async () => {
    const line = (name: string) => a.limits.split('\n').find((l) => l.startsWith(name))?.split(/\s{2,}/);
    assert.deepEqual(line('Max address space')?.slice(1, 3), [String(2048 * 1024 * 1024), String(2048 * 1024 * 1024)]);
    assert.deepEqual(line('Max processes')?.slice(1, 3), ['300', '300']);
    const printed = await run(h, alice, sa.kernel.id, `
import resource
try:
    bytearray(3 * 1024 ** 3)
    print('allocated')
except MemoryError:
    print('MemoryError')
try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print('raised')
except ValueError:
    print('cannot raise')
`);
    assert.deepEqual(printed.trim().split('\n'), ['MemoryError', 'cannot raise']);
  });

  it('starts one Jupyter server for simultaneous first requests of a user', async () => {
    const erin = h.users.erin!.token;
    const started = await Promise.all([1, 2, 3].map(() => h.fetch('/api/kernels', { method: 'POST', headers: { ...bearer(erin), 'Content-Type': 'application/json' }, body: '{"name":"python3"}' })));
    assert.deepEqual(started.map((r) => r.status), [201, 201, 201]);
    const ids = await Promise.all(started.map(async (r) => ((await r.json()) as { id: string }).id));
    // Had a second server started, the kernels it holds would be missing from the list of the one requests go to.
    assert.deepEqual(((await kernelsOf(h, erin)) as { id: string }[]).map((k) => k.id).sort(), ids.sort());
  });

  it("runs a reader's code for a shared narrative in the reader's own sandbox, not the owner's", async () => {
    const narrative = await h.users.alice!.client.createNarrative('Shared study');
    await h.users.alice!.client.shareNarrative(narrative.id, { user: 'bob', level: 'read' });
    const session = await startSession(h, bob, narrative.path);
    assert.equal((await run(h, bob, session.kernel.id, 'import os; print(os.getuid())')).trim(), String(b.uid));
    assert.equal((await h.fetch(`/api/kernels/${session.kernel.id}`, { headers: bearer(alice) })).status, 404, "the owner does not get the reader's kernel");
  });
});

describe('code cells: idle kernels are culled, and servers stop when idle or signed out', { skip }, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness(['carol', 'dave'], { kernels: { enabled: true, python: '/usr/bin/python3', idleSeconds: 3, serverIdleSeconds: 3 } });
  });
  after(() => h?.stop());

  it("culls an idle kernel, then stops that user's Jupyter server and removes its directory", async () => {
    const carol = h.users.carol!.token;
    const session = await startSession(h, carol, 'c.ipynb');
    assert.equal((await run(h, carol, session.kernel.id, 'print(1)')).trim(), '1');
    const dir = join(h.home, 'run', 'jupyter', String((await h.server.ctx.store.findUserByName('carol'))!.id));
    assert.equal(await gone(dir), false);
    assert.equal((await h.fetch('/api/kernelspecs', { headers: bearer(carol) })).status, 200);
    await eventually('the idle kernel is culled', async () => (await kernelsOf(h, carol)).length === 0);
    await eventually("carol's idle Jupyter server stops and its directory goes", () => gone(dir));
    assert.deepEqual(await kernelsOf(h, carol), [], 'a user with no server has no kernels, and asking starts none');
    const specs = (await (await h.fetch('/api/kernelspecs', { headers: bearer(carol) })).json()) as { kernelspecs: Record<string, unknown> };
    assert.deepEqual(Object.keys(specs.kernelspecs), ['python3'], 'the one kernelspec, answered without starting a server');
    assert.equal(await gone(dir), true);
  });

  it("ends a user's kernels when they sign out of the session they used them from", async () => {
    const login = await h.fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'dave', password: 'dave-password' }) });
    const signIn = /narrative_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(signIn, 'a session token');
    const session = await startSession(h, signIn, 'd.ipynb');
    // A connected kernel is never culled: only the sign-out can end it.
    const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/api/kernels/${session.kernel.id}/channels?session_id=test`, { headers: bearer(signIn) });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    assert.equal((await h.fetch('/api/v1/logout', { method: 'POST', headers: bearer(signIn) })).status, 204);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((_r, reject) => (timer = setTimeout(() => reject(new Error('the kernel outlived the sign-out by 20 s')), 20_000)))]);
    clearTimeout(timer);
    assert.deepEqual(await kernelsOf(h, h.users.dave!.token), []);
  });
});
