import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { blobTempFiles } from '../support/blob-temp.js';
import { kill9, ServerProcesses, type Served } from '../support/server-process.js';
import { ApiError, NarrativeClient } from '@narrative/server/client';

// Crash safety with a real server process: SIGKILL mid-upload and right after a save, then restart on the same home.
const MiB = 1024 * 1024;
const REPORT = 'Report.Report-1.0';
const servers = new ServerProcesses();
after(() => servers.cleanup());
const newHome = () => servers.newHome('narrative-durability-');
const serve = (home: string, env: Record<string, string> = {}) => servers.serve(home, env);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every blob under <home>/blobs/<2 hex>/, checked against its own name. Returns their names. */
async function checkBlobs(home: string): Promise<string[]> {
  const root = join(home, 'blobs');
  const names: string[] = [];
  for (const dir of (await readdir(root)).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
    for (const name of await readdir(join(root, dir))) {
      assert.match(name, /^[0-9a-f]{64}$/, `stray file blobs/${dir}/${name}`);
      assert.ok(name.startsWith(dir), `blob ${name} is in the wrong directory ${dir}`);
      assert.equal(await sha256File(join(root, dir, name)), name, `blob ${name} does not hash to its name`);
      names.push(name);
    }
  }
  return names.sort();
}

const tmpFiles = async (home: string) => blobTempFiles(home);

function form(name: string, filename: string, content: Buffer): FormData {
  const fd = new FormData();
  fd.append('name', name);
  fd.append('type', REPORT);
  fd.append('data', JSON.stringify({ title: name }));
  fd.append('file', new Blob([content]), filename);
  return fd;
}

async function download(client: NarrativeClient, ref: string, file: string): Promise<Buffer> {
  return Buffer.from(await (await client.downloadFile(ref, file)).arrayBuffer());
}

/** A request body that trickles `total` bytes in 256 KiB chunks every 10 ms (≈25 MiB/s) until stopped. */
function trickle(head: Buffer, total: number, tail: Buffer) {
  const state = { stopped: false, sent: 0 };
  const chunk = randomBytes(256 * 1024);
  const body = new ReadableStream<Uint8Array>({
    start(c) { if (head.length > 0) c.enqueue(new Uint8Array(head)); },
    async pull(c) {
      if (state.stopped) return c.close();
      await sleep(10);
      if (state.sent >= total) {
        c.enqueue(new Uint8Array(tail));
        return c.close();
      }
      state.sent += chunk.length;
      c.enqueue(new Uint8Array(chunk));
    },
    cancel() { state.stopped = true; },
  });
  return { body, stop: () => (state.stopped = true) };
}

/** Starts a slow POST; the promise settles with the status, or with the error when the connection dies. */
function slowPost(s: Served, path: string, contentType: string, head: Buffer, total: number, tail: Buffer) {
  const controller = new AbortController();
  const { body, stop } = trickle(head, total, tail);
  const init: RequestInit & { duplex: 'half' } = { method: 'POST', headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': contentType }, body, duplex: 'half', signal: controller.signal };
  const done = fetch(`${s.url}/api/v1${path}`, init).then(async (r) => ({ status: r.status, text: await r.text() }), (error: Error) => ({ status: 0, text: String(error.cause ?? error.message) }));
  return { done, abort: () => { stop(); controller.abort(); } };
}

function multipartHead(boundary: string, name: string): Buffer {
  const field = (n: string, v: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
  return Buffer.from(`${field('name', name)}${field('type', REPORT)}${field('data', JSON.stringify({ title: name }))}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
}

function slowUploads(s: Served, ws: string, name: string) {
  const boundary = `----durability${randomBytes(8).toString('hex')}`;
  return [
    slowPost(s, `/workspaces/${ws}/upload`, `multipart/form-data; boundary=${boundary}`, multipartHead(boundary, name), 200 * MiB, Buffer.from(`\r\n--${boundary}--\r\n`)),
    slowPost(s, '/blobs', 'application/octet-stream', Buffer.alloc(0), 200 * MiB, Buffer.alloc(0)),
  ];
}

/** Waits until `count` temp files under blobs/tmp each hold at least `bytes`: the uploads are mid-way. */
async function untilTempFiles(home: string, count: number, bytes: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const sizes = await Promise.all((await tmpFiles(home)).map(async (f) => (await stat(join(home, 'blobs', 'tmp', f)).catch(() => ({ size: 0 }))).size));
    if (sizes.filter((n) => n >= bytes).length >= count) return;
    assert.ok(Date.now() < deadline, `the uploads never got under way: temp files ${JSON.stringify(sizes)}`);
    await sleep(20);
  }
}

async function expect404(work: Promise<unknown>): Promise<void> {
  await assert.rejects(work, (error: unknown) => error instanceof ApiError && error.status === 404);
}

test('SIGKILL mid-upload: no object, no partial blob, temp files cleared, and the server serves normally after restart', async () => {
  const home = await newHome();
  let s = await serve(home);
  await s.client.createWorkspace('durable');
  const kept = randomBytes(100 * 1024);
  const keptInfo = await s.client.upload('durable', form('kept', 'kept.bin', kept));
  const noteInfo = await s.client.saveObject('durable', { name: 'note', type: REPORT, data: { title: 'a note' } });

  const uploads = slowUploads(s, 'durable', 'huge');
  await untilTempFiles(home, 2, 4 * MiB);
  await kill9(s.proc);
  uploads.forEach((u) => u.abort());
  for (const { done } of uploads) {
    const result = await done;
    assert.equal(result.status, 0, `an upload cut off by the crash was answered: ${result.status} ${result.text}`);
  }
  assert.equal((await tmpFiles(home)).length, 2, 'the partial uploads should be in blobs/tmp while the server is down');

  s = await serve(home);
  assert.deepEqual(await tmpFiles(home), [], 'blobs/tmp is not empty after restart');
  assert.deepEqual(await checkBlobs(home), [sha256(kept)], 'only the committed blob may exist');
  const page = await s.client.listObjects('durable');
  assert.equal(page.total, 2);
  assert.deepEqual(page.items.map((o) => o.ref).sort(), [keptInfo.ref, noteInfo.ref].sort());
  await expect404(s.client.getObject('durable/huge'));

  const keptNow = await s.client.getObject(keptInfo.ref);
  assert.deepEqual(keptNow.files.map((f) => [f.name, f.sha256, f.size]), [['kept.bin', sha256(kept), kept.length]]);
  assert.equal(sha256(await download(s.client, keptInfo.ref, 'kept.bin')), sha256(kept));
  assert.deepEqual((await s.client.getObject(noteInfo.ref)).data, { title: 'a note' });

  const fresh = randomBytes(10 * 1024);
  const freshInfo = await s.client.upload('durable', form('fresh', 'fresh.bin', fresh));
  assert.equal(sha256(await download(s.client, freshInfo.ref, 'fresh.bin')), sha256(fresh));
  assert.deepEqual(await s.client.uploadBlob(Buffer.from('small')), { sha256: sha256(Buffer.from('small')), size: 5 });
  assert.deepEqual(await checkBlobs(home), [sha256(kept), sha256(fresh), sha256(Buffer.from('small'))].sort());
  assert.equal((await s.client.listObjects('durable')).total, 3);
  await kill9(s.proc);
});

test('kill -9 right after a save or an upload returns: the version is there after restart', async () => {
  const home = await newHome();
  let s = await serve(home);
  await s.client.createWorkspace('acked');
  const saved = await s.client.saveObject('acked', { name: 'n', type: REPORT, data: { title: 'acknowledged' } });
  await kill9(s.proc);

  s = await serve(home);
  const again = await s.client.getObject(saved.ref);
  assert.deepEqual([again.ref, again.data], [saved.ref, { title: 'acknowledged' }]);
  const content = randomBytes(300 * 1024);
  const uploaded = await s.client.upload('acked', form('n', 'n.bin', content));
  await kill9(s.proc);

  s = await serve(home);
  assert.equal(uploaded.ver, 2);
  assert.deepEqual((await s.client.history('acked/n')).map((v) => v.ref), [saved.ref, uploaded.ref]);
  const got = await s.client.getObject(uploaded.ref);
  assert.deepEqual(got.files.map((f) => [f.sha256, f.size]), [[sha256(content), content.length]]);
  assert.equal(sha256(await download(s.client, uploaded.ref, 'n.bin')), sha256(content));
  assert.deepEqual(await checkBlobs(home), [sha256(content)]);
  assert.deepEqual(await tmpFiles(home), []);
  await kill9(s.proc);
});

test('an oversize multipart upload is a 413 and does not take the server down', async () => {
  const s = await serve(await newHome(), { NARRATIVE_MAX_FILE_BYTES: String(MiB) });
  await s.client.createWorkspace('limited');
  const response = await fetch(`${s.url}/api/v1/workspaces/limited/upload`, { method: 'POST', headers: { Authorization: `Bearer ${s.token}` }, body: form('big', 'big.bin', randomBytes(2 * MiB)), signal: AbortSignal.timeout(5_000) })
    .then((r) => `${r.status}`, (error: Error) => `no answer (${String(error.cause ?? error.message)})`);
  assert.equal(response, '413', `stderr of the server: ${s.stderr().slice(0, 500)}`);
  assert.equal(s.proc.exitCode, null, `the server died: ${s.stderr().slice(0, 500)}`);
  assert.equal((await s.client.health()).status, 'ok');
  assert.equal((await s.client.listObjects('limited')).total, 0);
  await kill9(s.proc);
});

test('a client that disconnects mid-upload leaves no temp file and no object, and the server keeps serving', async () => {
  const home = await newHome();
  const s = await serve(home);
  await s.client.createWorkspace('abandoned');
  const uploads = slowUploads(s, 'abandoned', 'gone');
  await untilTempFiles(home, 2, 2 * MiB);
  uploads.forEach((u) => u.abort());
  await Promise.all(uploads.map((u) => u.done));
  const deadline = Date.now() + 3_000;
  while ((await tmpFiles(home)).length > 0 && Date.now() < deadline) await sleep(50);
  assert.deepEqual(await tmpFiles(home), [], 'abandoned uploads left temp files (and open handles) behind');
  assert.equal((await s.client.health()).status, 'ok');
  assert.equal((await s.client.listObjects('abandoned')).total, 0);
  assert.deepEqual(await checkBlobs(home), []);
  await kill9(s.proc);
});
