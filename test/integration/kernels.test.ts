import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { bearer, startHarness, type Harness } from '../support/harness.js';

interface Session {
  id: string;
  kernel: { id: string };
}

/** Runs one line of Python on a kernel through the proxy's websocket; resolves with what it printed. */
function execute(h: Harness, token: string, kernel: string, code: string): Promise<string> {
  const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/api/kernels/${kernel}/channels?session_id=test`, { headers: bearer(token) });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no output from the kernel within 30 s')), 30_000);
    ws.on('open', () => ws.send(JSON.stringify({
      header: { msg_id: 'run-1', username: 'test', session: 'test', msg_type: 'execute_request', version: '5.3' },
      parent_header: {}, metadata: {}, channel: 'shell', content: { code, silent: false },
    })));
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { msg_type: string; content: { text?: string } };
      if (message.msg_type !== 'stream') return;
      clearTimeout(timer);
      ws.close();
      resolve(message.content.text!.trim());
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`refused: ${res.statusCode}`));
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Sends raw bytes to the server and resolves with everything it answers before closing. */
function rawRequest(h: Harness, text: string): Promise<string> {
  const { port } = new URL(h.server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer within 10 s: ${answer}`)));
  });
}

describe("code cells: the kernel proxy to each user's own Jupyter server", () => {
  let h: Harness;
  let alice: string;
  let bob: string;
  let session: Session;
  let bobs: Session;

  const api = (path: string, token: string | null, init: RequestInit = {}) =>
    h.fetch(path, { ...init, headers: { ...(token ? bearer(token) : {}), 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

  before(async () => {
    h = await startHarness(['alice', 'bob'], { kernels: { enabled: true, python: '/usr/bin/python3' } });
    alice = h.users.alice!.token;
    bob = h.users.bob!.token;
  });
  after(() => h.stop());

  it('starts a Python kernel for a signed-in user and runs code in it, never as root', async () => {
    const specs = (await (await api('/api/kernelspecs', alice)).json()) as { kernelspecs: Record<string, unknown> };
    assert.ok(specs.kernelspecs.python3);
    const response = await api('/api/sessions', alice, { method: 'POST', body: JSON.stringify({ path: 'Story (1).ipynb', type: 'notebook', name: '', kernel: { name: 'python3' } }) });
    assert.equal(response.status, 201);
    session = (await response.json()) as Session;
    const printed = await execute(h, alice, session.kernel.id, 'import os; print(6 * 7, os.getuid())');
    const [answer, uid] = printed.split(' ');
    assert.equal(answer, '42');
    assert.notEqual(uid, '0', "kernels run as the user's own uid when the server is root");
  });

  it("answers kernelspecs from the last answer, whatever time stamp the lab adds, without starting a server for one who has none", async () => {
    const { token } = await h.admin.createUser('carol', 'user', 'carol-password');
    const carol = (await h.server.ctx.store.findUserByName('carol'))!.id;
    for (const stamp of [Date.now(), Date.now() + 1]) {
      const answer = await api(`/api/kernelspecs?${stamp}`, token);
      assert.equal(answer.status, 200);
      assert.ok(((await answer.json()) as { kernelspecs: Record<string, unknown> }).kernelspecs.python3);
    }
    assert.equal(existsSync(join(h.home, 'run', 'jupyter', String(carol))), false, "carol's Jupyter server was never started");
  });

  it("keeps each user's kernels and sessions to themselves, before and after the other starts a server of their own", async () => {
    const refusals = async () => {
      assert.equal((await api(`/api/kernels/${session.kernel.id}`, bob)).status, 404);
      assert.equal((await api(`/api/sessions/${session.id}`, bob, { method: 'DELETE' })).status, 404);
      const attach = await api('/api/sessions', bob, { method: 'POST', body: JSON.stringify({ path: 'x.ipynb', type: 'notebook', name: '', kernel: { id: session.kernel.id } }) });
      assert.equal(attach.status, 404, "a session cannot attach to another user's kernel");
      await assert.rejects(execute(h, bob, session.kernel.id, 'print(1)'), /refused: 404/);
    };
    assert.deepEqual(((await (await api('/api/sessions', alice)).json()) as Session[]).map((s) => s.id), [session.id]);
    assert.deepEqual(await (await api('/api/sessions', bob)).json(), []);
    assert.deepEqual(await (await api('/api/kernels', bob)).json(), []);
    await refusals();
    // The same path as alice's session: bob gets a session and kernel of his own, never hers.
    const response = await api('/api/sessions', bob, { method: 'POST', body: JSON.stringify({ path: 'Story (1).ipynb', type: 'notebook', name: '', kernel: { name: 'python3' } }) });
    assert.equal(response.status, 201);
    bobs = (await response.json()) as Session;
    assert.notEqual(bobs.kernel.id, session.kernel.id);
    assert.deepEqual(((await (await api('/api/sessions', bob)).json()) as Session[]).map((s) => s.id), [bobs.id]);
    assert.deepEqual(((await (await api('/api/kernels', alice)).json()) as Session[]).map((k) => k.id), [session.kernel.id]);
    await refusals();
  });

  it("lists through a trailing slash are one's own too, and a refused upgrade never reaches the caller", async () => {
    assert.deepEqual(((await (await api('/api/kernels/', bob)).json()) as Session[]).map((k) => k.id), [bobs.kernel.id]);
    assert.deepEqual(((await (await api('/api/sessions/', bob)).json()) as Session[]).map((s) => s.id), [bobs.id]);
    // Jupyter answers a malformed upgrade with 400 and a login cookie: neither may reach the caller.
    const answer = await rawRequest(h, `GET /api/kernels/${session.kernel.id}/channels HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${alice}\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(answer, /set-cookie/i);
    const unknown = await rawRequest(h, 'GET /no/such/socket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    assert.match(unknown, /^HTTP\/1\.1 404 /);
  });

  it("answers Jupyter's refusals as problems of its own, never as a 5xx", async () => {
    for (const [path, body] of [
      ['/api/kernels', { name: 'no-such-kernel' }],
      ['/api/sessions', { path: '..', type: 'notebook', name: '', kernel: { name: 'no-such-kernel' } }],
      ['/api/sessions', { path: '..', type: 'notebook', name: '', kernel: { name: 'python3' } }],
    ] as const) {
      const response = await api(path, alice, { method: 'POST', body: JSON.stringify(body) });
      assert.ok(response.status >= 400 && response.status < 500, `${path} ${JSON.stringify(body)}: ${response.status}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.match(((await response.json()) as { detail: string }).detail, /Jupyter/);
    }
    const deep = await api('/api/sessions', alice, { method: 'POST', body: `{"path":${'['.repeat(3000)}${']'.repeat(3000)}}` });
    assert.equal(deep.status, 422);
  });

  it('refuses anonymous callers before reaching any Jupyter server', async () => {
    assert.equal((await api('/api/kernelspecs', null)).status, 401);
    assert.equal((await api('/api/sessions', null, { method: 'POST', body: '{}' })).status, 401);
    await assert.rejects(execute(h, 'nrt_not-a-token', session.kernel.id, 'print(1)'), /refused: 401/);
  });
});
