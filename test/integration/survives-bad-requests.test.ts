import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ServerProcesses, type Served } from '../support/server-process.js';

/**
 * Each request here once crashed the server, answered 5xx or wedged a user's
 * lab (issue 11). The server is a real `narrative serve` child, so a crash
 * shows as a process that exits; after every case it must still answer.
 */
describe('the server survives requests that once broke it', () => {
  const processes = new ServerProcesses();
  let served: Served;
  let alice: string;
  let log = '';
  let wsid: number;

  const url = (path: string) => `${served.url}${path}`;
  const as = (token: string | null, headers: Record<string, string> = {}) => ({ ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers });

  async function stillServing(): Promise<void> {
    assert.equal(served.proc.exitCode, null, `the server exited: ${served.stderr()}`);
    // serve logs an error that escaped every handler and goes on: here that counts as the crash it would have been.
    assert.doesNotMatch(log, /escaped its handler|failed unhandled/);
    const health = await fetch(url('/api/v1/health'));
    assert.equal(health.status, 200);
  }

  async function assertProblem(response: Response, status: number | ((s: number) => boolean)): Promise<Record<string, unknown>> {
    const ok = typeof status === 'number' ? response.status === status : status(response.status);
    const text = await response.text();
    assert.ok(ok, `status ${response.status}: ${text.slice(0, 300)}`);
    assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** Sends a raw HTTP request and resolves with what the server answered before closing or `waitMs`. */
  function raw(request: Buffer | string, waitMs = 5000): Promise<string> {
    const { port } = new URL(served.url);
    return new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('close', () => resolve(answer));
      socket.on('error', () => resolve(answer));
      socket.setTimeout(waitMs, () => socket.destroy());
    });
  }

  function multipart(boundary: string, parts: string[], closing: boolean): string {
    const body = parts.join('') + (closing ? `--${boundary}--\r\n` : '');
    return [
      `POST /api/v1/workspaces/${wsid}/upload HTTP/1.1`, 'Host: localhost', `Authorization: Bearer ${alice}`,
      `Content-Type: multipart/form-data; boundary=${boundary}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body,
    ].join('\r\n');
  }
  const field = (boundary: string, name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const file = (boundary: string, name: string, content: string, end = true) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}${end ? '\r\n' : ''}`;

  before(async () => {
    const home = await processes.newHome();
    served = await processes.serve(home, { NARRATIVE_LOG_LEVEL: 'info' });
    served.proc.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    alice = (await served.client.createUser('alice', 'user', 'alice-password')).token;
    const created = await fetch(url('/api/v1/workspaces'), { method: 'POST', headers: as(alice, { 'Content-Type': 'application/json' }), body: JSON.stringify({ name: 'alice-ws' }) });
    wsid = ((await created.json()) as { id: number }).id;
  });
  after(() => processes.cleanup());

  it('a multipart upload cut off inside a file part is refused, and the server lives', async () => {
    const b = 'cutoff-boundary';
    const answer = await raw(multipart(b, [field(b, 'name', 'reads'), field(b, 'type', 'Genomics.Reads-1.0'), file(b, 'r.fastq', '@r\nACGT\n+\nIIII\n'.repeat(50), false)], false));
    assert.match(answer, /^HTTP\/1\.1 400 /);
    await stillServing();
  });

  it('an upload with one file part over the limit is refused, and the server lives', async () => {
    const b = 'many-files-boundary';
    const files = Array.from({ length: 21 }, (_, i) => file(b, `r${i}.fastq`, '@r\nACGT\n+\nIIII\n'.repeat(200)));
    const answer = await raw(multipart(b, [field(b, 'name', 'reads'), field(b, 'type', 'Genomics.Reads-1.0'), ...files], true));
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /at most 20/);
    await stillServing();
  });

  it('an upload that ends before its declared length is let go, and the server lives', async () => {
    const b = 'short-boundary';
    const request = multipart(b, [field(b, 'name', 'reads'), field(b, 'type', 'Genomics.Reads-1.0'), file(b, 'r.fastq', 'A'.repeat(5000))], true);
    await raw(request.slice(0, request.length - 2000), 500);
    await stillServing();
  });

  it('offsets and limits beyond any listing are 400, not a database error', async () => {
    for (const query of ['offset=1e20', 'offset=1e308', 'limit=1e20', 'offset=-1', 'offset=1.5', 'limit=0']) {
      const problem = await assertProblem(await fetch(url(`/api/v1/workspaces/${wsid}/objects?${query}`), { headers: as(alice) }), 400);
      assert.ok(Array.isArray(problem.errors), query);
    }
    await assertProblem(await fetch(url(`/api/v1/objects/${wsid}/1/99999999999999999999`), { headers: as(alice) }), 400);
    await assertProblem(await fetch(url('/api/v1/jobs/1/log?after=1e300'), { headers: as(alice) }), 400);
    await stillServing();
  });

  it('deeply nested JSON in a narrative save is refused with 422', async () => {
    const created = await fetch(url('/api/v1/narratives'), { method: 'POST', headers: as(alice, { 'Content-Type': 'application/json' }), body: JSON.stringify({ title: 'Deep' }) });
    const narrative = (await created.json()) as { path?: string; id: number };
    const path = narrative.path ?? `Deep (${narrative.id}).ipynb`;
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const body = `{"type":"notebook","format":"json","content":{"cells":[],"metadata":{"x":${deep}},"nbformat":4,"nbformat_minor":5}}`;
    const problem = await assertProblem(await fetch(url(`/api/v1/contents/${encodeURIComponent(path)}`), { method: 'PUT', headers: as(alice, { 'Content-Type': 'application/json' }), body }), 422);
    assert.match(String(problem.detail), /levels deep/);
    const shallow = `{"type":"notebook","format":"json","content":{"cells":[],"metadata":{"x":[[1]]},"nbformat":4,"nbformat_minor":5}}`;
    const saved = await fetch(url(`/api/v1/contents/${encodeURIComponent(path)}`), { method: 'PUT', headers: as(alice, { 'Content-Type': 'application/json' }), body: shallow });
    assert.equal(saved.status, 200, await saved.text());
    await stillServing();
  });

  it('a lab layout nested too deep is refused, and the layout still loads', async () => {
    const deep = `{"data":{"x":${'['.repeat(5000)}${']'.repeat(5000)}},"metadata":{"id":"default"}}`;
    const put = await fetch(url('/lab/api/workspaces/default'), { method: 'PUT', headers: as(alice, { 'Content-Type': 'application/json' }), body: deep });
    assert.equal(put.status, 422, await put.text());
    const get = await fetch(url('/lab/api/workspaces/default'), { headers: as(alice) });
    assert.equal(get.status, 200);
    await stillServing();
  });

  it('anonymous callers get 401 for jobs, their events and logs, whether or not they exist', async () => {
    for (const path of ['/api/v1/jobs/1', '/api/v1/jobs/1/events', '/api/v1/jobs/1/log', '/api/v1/jobs/987654', '/api/v1/jobs/987654/log']) {
      await assertProblem(await fetch(url(path)), 401);
    }
    await assertProblem(await fetch(url('/api/v1/jobs/987654'), { headers: as(alice) }), 404);
  });

  it('the request log holds no token, cookie or _xsrf value', async () => {
    const cookie = 'narrative_session=cookie-secret-value-1234; _xsrf=xsrf-secret-value-5678';
    await fetch(url('/api/v1/me'), { headers: as(alice, { Cookie: cookie, 'X-XSRFToken': 'xsrf-secret-value-5678' }) });
    await fetch(url(`/api/v1/me?token=${alice}&_xsrf=xsrf-secret-value-5678`));
    await fetch(url('/api/v1/workspaces/nope-xyz'), { headers: as(alice) });
    for (let i = 0; i < 50 && !log.includes('nope-xyz'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(log, /nope-xyz/, 'requests are logged at the default level');
    for (const secret of [alice, 'cookie-secret-value-1234', 'xsrf-secret-value-5678', served.token]) assert.ok(!log.includes(secret), 'a secret reached the log');
  });
});
