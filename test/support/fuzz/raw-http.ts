import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome } from './sender.js';

/**
 * How the body travels: whole with a Content-Length or chunked; cut off
 * (`exactCut`: the declared length is the cut, so the HTTP message is whole
 * but its multipart body is not; `chunkedCut`: the same, chunked); declared
 * longer than sent and then half-closed (`shortLength`); dropped mid-body
 * (`abort`); trickled (`slow`); or with broken chunk framing (`badChunk`).
 */
export type Framing = 'length' | 'chunked' | 'exactCut' | 'chunkedCut' | 'shortLength' | 'abort' | 'slow' | 'badChunk';

export interface RawRequest {
  method: string;
  path: string;
  /** Header lines as written, which may hold what Node's own client refuses (control characters, folded lines). */
  headers: string[];
  body: Buffer;
  framing: Framing;
  /** Where a cut body ends, as a fraction of its length. */
  cut: number;
}

/** Whether the client sent a whole HTTP message, so an answer is owed. */
export function owesAnswer(framing: Framing): boolean {
  return framing !== 'shortLength' && framing !== 'abort';
}

/** Not a timing assertion: the longest a whole message may wait for its answer before it counts as never answered. */
const WEDGED_MS = 60_000;

/** Sends bytes over a plain socket, exactly as framed, and reads whatever comes back until the server closes. */
export async function rawSend(base: string, r: RawRequest): Promise<Outcome> {
  const url = new URL(base);
  const cutAt = Math.max(1, Math.floor(r.body.length * r.cut));
  const body = r.framing === 'exactCut' || r.framing === 'chunkedCut' ? r.body.subarray(0, cutAt) : r.body;
  const chunked = r.framing === 'chunked' || r.framing === 'chunkedCut' || r.framing === 'badChunk';
  const framing = chunked ? ['Transfer-Encoding: chunked'] : [`Content-Length: ${body.length}`];
  const head = Buffer.from(`${r.method} ${r.path} HTTP/1.1\r\nHost: ${url.host}\r\n${[...r.headers, ...framing].join('\r\n')}\r\n\r\n`, 'latin1');
  const socket = connect(Number(url.port), url.hostname);
  const received: Buffer[] = [];
  let failure: string | undefined;
  // Keep-alive, as browsers send: a server that answers before reading the body then drains it instead of resetting the connection.
  // So the answer ends where its length says, not at a close. An error (EPIPE) is followed by 'close'; what arrived before it still counts.
  const closed = new Promise<string | undefined>((resolve) => {
    socket.on('data', (d: Buffer) => {
      received.push(d);
      if (complete(Buffer.concat(received))) resolve(undefined);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (failure ??= `${e.code ?? ''} ${e.message}`));
    socket.on('close', () => resolve(failure));
  });
  const guard = setTimeout(() => socket.destroy(new Error(`no answer within ${WEDGED_MS / 1000} s`)), WEDGED_MS);
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(head);
    await writeBody(socket, body, r, cutAt, chunked);
    // Nothing is owed to a client that never finished its message: listen a little for a stray answer, then hang up.
    const error = owesAnswer(r.framing) ? await closed : await Promise.race([closed, sleep(2000).then(() => undefined)]);
    return parse(Buffer.concat(received), error);
  } catch (error) {
    return { headers: {}, body: '', error: (error as Error).message };
  } finally {
    clearTimeout(guard);
    socket.destroy();
  }
}

async function writeBody(socket: ReturnType<typeof connect>, body: Buffer, r: RawRequest, cutAt: number, chunked: boolean): Promise<void> {
  const frame = (b: Buffer) => (chunked ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : b);
  switch (r.framing) {
    case 'abort':
      socket.write(body.subarray(0, cutAt));
      await sleep(20);
      socket.resetAndDestroy();
      return;
    case 'shortLength':
      socket.end(body.subarray(0, cutAt));
      return;
    case 'slow':
      for (let i = 0; i < body.length; i += Math.ceil(body.length / 8)) {
        socket.write(body.subarray(i, i + Math.ceil(body.length / 8)));
        await sleep(80);
      }
      return;
    case 'badChunk':
      socket.write(Buffer.concat([Buffer.from('zz\r\n'), body.subarray(0, 10), Buffer.from('\r\n0\r\n\r\n')]));
      return;
    default:
      if (body.length > 0) socket.write(frame(body));
      if (chunked) socket.write('0\r\n\r\n');
  }
}

/** Whether the bytes hold one whole response (by Content-Length, the last chunk, or a status without a body). */
function complete(bytes: Buffer): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const head = bytes.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  // 101: the upgrade was accepted, which is the answer; what the websocket says next is another protocol.
  if (status === 101 || status === 204 || status === 304) return true;
  if (status >= 100 && status < 200) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  if (length !== undefined) return bytes.length - end - 4 >= Number(length);
  if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) return bytes.includes('\r\n0\r\n\r\n', end);
  return false;
}

/** A minimal HTTP/1.1 response reader: status, headers, body (de-chunked). */
function parse(bytes: Buffer, error: string | undefined): Outcome {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return { headers: {}, body: bytes.toString('latin1'), error: error ?? (bytes.length ? 'a partial answer' : 'closed without an answer') };
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  // Anything after the declared length is a second answer (Node's 400 to the rest of a broken message), not this one's body.
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  return Number.isInteger(status) ? { status, headers, body: body.toString('utf8') } : { headers, body: body.toString('latin1'), error: `not an HTTP answer: ${statusLine}` };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < b.length) {
    const lineEnd = b.indexOf('\r\n', i);
    if (lineEnd < 0) break;
    const size = parseInt(b.subarray(i, lineEnd).toString('latin1'), 16);
    if (!size) break;
    out.push(b.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}
