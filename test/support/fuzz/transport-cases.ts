import fc from 'fast-check';
import { file, field, multipartArbitrary, renderMultipart, validUpload, UPLOAD_FILES_MAX, UPLOAD_PARTS_MAX, type Multipart } from './multipart.js';
import type { Framing, RawRequest } from './raw-http.js';
import type { CallerName, World } from './world.js';

/** A request whose trouble is in transit: how its body is framed, cut, trickled or dropped, or a header Node would not send. */
export interface TransportCase {
  label: string;
  caller: CallerName;
  method: string;
  path: string;
  headers: string[];
  body: { multipart: Multipart } | { text: string } | { size: number };
  framing: Framing;
  cut: number;
  /** The one answer this case must get, where the rules alone do not decide it. */
  expectStatus?: number;
}

export interface Targets {
  upload: string;
  objects: string;
  contents: string;
  image: string;
  notebook: unknown;
  /** A real job (for its websocket stream) and a real kernel (for its channels), when this machine has them. */
  job?: string;
  kernel?: string;
}

export function targetsOf(world: World): Targets {
  const story = world.values.contentsPath![0]!;
  return {
    upload: `/api/v1/workspaces/${world.values.ws![0]}/upload`,
    objects: `/api/v1/workspaces/${world.values.ws![0]}/objects`,
    contents: `/api/v1/contents/${encodeURIComponent(story)}`,
    image: `/api/v1/images/sha256:${'0'.repeat(64)}`,
    notebook: world.notebook,
    ...(world.values.job![0] ? { job: world.values.job![0] } : {}),
    ...(world.values.kernel![0] ? { kernel: world.values.kernel![0] } : {}),
  };
}

export function toRaw(c: TransportCase, callerHeaders: Record<string, string>): RawRequest {
  const body = 'multipart' in c.body ? renderMultipart(c.body.multipart) : 'text' in c.body ? Buffer.from(c.body.text) : Buffer.alloc(c.body.size, 0x62);
  const type = 'multipart' in c.body ? [`Content-Type: ${c.body.multipart.contentType}`] : [];
  return { method: c.method, path: c.path, headers: [...Object.entries(callerHeaders).map(([k, v]) => `${k}: ${v}`), ...type, ...c.headers], body, framing: c.framing, cut: c.cut };
}

const upload = (t: Targets, label: string, multipart: Multipart, framing: Framing = 'length', cut = 1): TransportCase =>
  ({ label, caller: 'alice', method: 'POST', path: t.upload, headers: [], body: { multipart }, framing, cut });

/**
 * The cases every run sends whatever its seed: each kind of multipart trouble
 * the upload endpoint must survive, a few slow senders, clients that hang up
 * mid-body on each kind of body reader, and headers Node's client cannot send.
 */
export function fixedCases(t: Targets, marker: string): TransportCase[] {
  const ok = (n: number) => validUpload(marker, n);
  const big = (n: number) => validUpload(marker, n, [file(`${marker}-big.bin`, '', 200_000)]);
  const json = (label: string, method: string, path: string, text: string, framing: Framing, cut = 0.5): TransportCase => ({ label, caller: 'alice', method, path, headers: ['Content-Type: application/json'], body: { text }, framing, cut });
  const notebook = JSON.stringify({ type: 'notebook', format: 'json', content: t.notebook });
  return [
    upload(t, 'body cut off inside a file part (whole HTTP message, no closing boundary)', big(1), 'exactCut', 0.6),
    upload(t, 'body cut off inside a file part, chunked', big(2), 'chunkedCut', 0.6),
    upload(t, 'unterminated: no closing boundary after the last part', { ...ok(3), ending: 'none' }),
    upload(t, `${UPLOAD_FILES_MAX + 1} file parts`, validUpload(marker, 4, Array.from({ length: UPLOAD_FILES_MAX + 1 }, (_, i) => file(`${marker}-n${i}.txt`)))),
    upload(t, `${UPLOAD_PARTS_MAX + 1} parts`, { ...ok(5), parts: [...ok(5).parts, ...Array.from({ length: UPLOAD_PARTS_MAX }, (_, i) => field(`f${i}`, 'v'))] }),
    upload(t, 'a file part over the file limit', validUpload(marker, 6, [file(`${marker}-huge.bin`, '', 300_000)])),
    upload(t, 'the declared boundary is not the one used', { ...ok(7), contentType: 'multipart/form-data; boundary=not-the-one' }),
    upload(t, 'no boundary declared', { ...ok(8), contentType: 'multipart/form-data' }),
    upload(t, 'a data field nesting 5,000 arrays', { ...ok(13), parts: ok(13).parts.map((p) => (p.text.startsWith('{"title"') ? field('data', `${'['.repeat(5000)}${']'.repeat(5000)}`) : p)) }),
    upload(t, 'slow sender 1', ok(9), 'slow'),
    upload(t, 'slow sender 2: a body cut short', { ...ok(10), ending: 'none' }, 'slow'),
    { ...json('slow sender 3: a notebook save', 'PUT', t.contents, notebook, 'slow') },
    upload(t, 'the client hangs up inside a file part', big(11), 'abort', 0.5),
    upload(t, 'declared longer than sent, then half-closed', big(12), 'shortLength', 0.5),
    json('the client hangs up inside a JSON body', 'POST', t.objects, JSON.stringify({ name: `${marker}-j`, type: 'Report.Report-1.0', data: { title: 'x'.repeat(50_000) } }), 'abort'),
    json('the client hangs up inside a notebook save', 'PUT', t.contents, notebook, 'abort'),
    json('the client hangs up inside a lab workspace save', 'PUT', '/lab/api/workspaces/default', JSON.stringify({ data: { x: 'y'.repeat(50_000) }, metadata: { id: 'default' } }), 'abort'),
    json('the client hangs up inside a kernel session request', 'POST', '/api/sessions', JSON.stringify({ path: 'x'.repeat(50_000), type: 'notebook', kernel: { name: 'nope' } }), 'abort'),
    { label: 'the client hangs up inside a blob upload', caller: 'alice', method: 'POST', path: '/api/v1/blobs', headers: ['Content-Type: application/octet-stream'], body: { size: 100_000 }, framing: 'abort', cut: 0.5 },
    { label: 'the client hangs up inside an image push', caller: 'dora', method: 'PUT', path: t.image, headers: ['Content-Type: application/x-tar'], body: { size: 100_000 }, framing: 'abort', cut: 0.5 },
    { label: 'broken chunk framing', caller: 'alice', method: 'POST', path: t.objects, headers: ['Content-Type: application/json'], body: { text: '{}' }, framing: 'badChunk', cut: 1 },
    ...rawHeaderCases(t, marker),
    ...upgradeCases(t),
  ];
}

/**
 * Websocket upgrades (the job stream, lab events, kernel channels), broken
 * each way: no key, a version nobody speaks, bad positions, bad ids, no
 * credentials, another protocol. Each is refused with an HTTP answer; a
 * valid one is answered 101, which is where the exchange ends for this test.
 */
function upgradeCases(t: Targets): TransportCase[] {
  const ws = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
  const job = t.job ?? '1';
  const cases: [string, CallerName, string, string[]][] = [
    ['job stream, no key', 'alice', `/api/v1/jobs/${job}/stream`, ws.slice(0, 3)],
    ['job stream, version 99', 'alice', `/api/v1/jobs/${job}/stream`, [...ws.slice(0, 2), 'Sec-WebSocket-Version: 99', ws[3]!]],
    ['job stream from event 1e20', 'alice', `/api/v1/jobs/${job}/stream?afterEvent=1e20`, ws],
    ['job stream from line -1 with an unknown parameter', 'alice', `/api/v1/jobs/${job}/stream?afterLine=-1&x=1`, ws],
    ['job stream of job 0x10', 'alice', '/api/v1/jobs/0x10/stream', ws],
    ['job stream of job 99999999999999999999', 'alice', '/api/v1/jobs/99999999999999999999/stream', ws],
    ['job stream, anonymous', 'anonymous', `/api/v1/jobs/${job}/stream`, ws],
    ['job stream, a bogus token', 'bogus', `/api/v1/jobs/${job}/stream`, ws],
    ['job stream, a token in the URL', 'anonymous', `/api/v1/jobs/${job}/stream?token=nrt_x`, ws],
    ['job stream, a valid upgrade', 'alice', `/api/v1/jobs/${job}/stream`, ws],
    ['lab events, anonymous', 'anonymous', '/api/events/subscribe', ws],
    ['lab events, no key', 'alice', '/api/events/subscribe', ws.slice(0, 3)],
    ['kernel channels of an unknown kernel', 'alice', '/api/kernels/00000000-0000-0000-0000-000000000000/channels', ws],
    ['kernel channels, another protocol', 'alice', `/api/kernels/${t.kernel ?? 'x'}/channels`, ['Upgrade: foo', 'Connection: Upgrade']],
    ['no websocket here', 'alice', '/no/such/socket', ws],
    ['an upgrade on a REST path', 'alice', '/api/v1/health', ws],
  ];
  return [
    ...cases.map(([label, caller, path, headers]) => ({ label: `websocket: ${label}`, caller, method: 'GET', path, headers, body: { size: 0 }, framing: 'length' as const, cut: 1 })),
    // What `curl --http2` sends to an http:// URL: a server without HTTP/2 ignores the offer and answers as usual.
    { label: 'an h2c upgrade offer (curl --http2)', caller: 'alice', method: 'GET', path: '/api/v1/health', headers: ['Upgrade: h2c', 'Connection: Upgrade, HTTP2-Settings', 'HTTP2-Settings: AAMAAABkAAQAAP__'], body: { size: 0 }, framing: 'length', cut: 1, expectStatus: 200 },
  ];
}

/** Header lines Node's client refuses to send: control characters, folding, conflicting lengths, no colon. */
function rawHeaderCases(t: Targets, marker: string): TransportCase[] {
  const lines = [
    [`X-Fuzz: a\u0000b`], [`X-Fuzz: ${marker}\u0007\u001b[31m`], ['Authorization: Bearer nrt_\u0001x'], ['X-Fuzz: first', ' folded continuation'], ['NoColonHere'],
    ['Content-Length: 5', 'Content-Length: 6'], ['Transfer-Encoding: chunked, identity'], [`X-${'h'.repeat(20_000)}: x`], ['Content-Type: application/json\u0000'],
  ];
  return [
    ...lines.map((headers, i) => ({ label: `raw header lines ${i + 1}`, caller: 'alice' as const, method: 'POST', path: t.objects, headers, body: { text: '{}' }, framing: 'length' as const, cut: 1 })),
    // A proxy's method: Node hands it to a 'connect' listener, and without one drops the connection unanswered.
    { label: 'CONNECT', caller: 'alice', method: 'CONNECT', path: '/api/v1/health', headers: [], body: { size: 0 }, framing: 'length', cut: 1 },
  ];
}

/** Generated transport cases: any multipart body from multipartArbitrary, sent under any framing, or other bodies cut and dropped. */
export function transportArbitrary(t: Targets, marker: string, hostile: fc.Arbitrary<string>, limits: { fileBytes: number; jsonBytes: number }): fc.Arbitrary<TransportCase> {
  const framing = fc.oneof({ weight: 6, arbitrary: fc.constantFrom<Framing>('length', 'chunked') }, { weight: 4, arbitrary: fc.constantFrom<Framing>('exactCut', 'chunkedCut', 'abort', 'shortLength') });
  const cut = fc.double({ min: 0.01, max: 0.99, noNaN: true });
  const caller = fc.constantFrom<CallerName>('alice', 'alice', 'alice', 'bob', 'anonymous', 'bogus', 'aliceCookie', 'aliceCookieNoXsrf');
  const multipart = fc.tuple(multipartArbitrary(marker, hostile, limits.fileBytes, limits.jsonBytes), framing, cut, caller)
    .map(([m, f, c, who]): TransportCase => ({ ...upload(t, `multipart (${m.parts.length} parts, ending ${m.ending}), ${f}`, m, f, c), caller: who }));
  const raw = fc.tuple(fc.constantFrom(['POST', '/api/v1/blobs', 'application/octet-stream'], ['PUT', t.image, 'application/x-tar'], ['POST', t.objects, 'application/json'], ['PUT', t.contents, 'application/json'], ['PUT', '/lab/api/workspaces/fz', 'application/json'], ['PATCH', '/api/config/notebook', 'application/json']), fc.constantFrom(0, 10, limits.fileBytes + 1), framing, cut, caller)
    .map(([[method, path, type], size, f, c, who]): TransportCase => ({ label: `${size} bytes of b to ${method} ${path}, ${f}`, caller: who!, method: method!, path: path!, headers: [`Content-Type: ${type}`], body: { size }, framing: f, cut: c }));
  return fc.oneof({ weight: 3, arbitrary: multipart }, { weight: 1, arbitrary: raw });
}
