import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CutOffError, declaredLength, download, isAbort, readBody, type IProgress } from './download.js';

/** A response whose body arrives in these chunks, one at a time, with these headers. */
function streamed(chunks: string[], headers: Record<string, string>): Response {
  const bytes = chunks.map((c) => new TextEncoder().encode(c));
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = bytes[next++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return new Response(body, { headers });
}

const read = async (response: Response, signal = new AbortController().signal) => {
  const seen: IProgress[] = [];
  const blob = await readBody(response, (p) => seen.push({ ...p }), signal);
  return { text: await blob.text(), type: blob.type, seen };
};

describe('reading an export as a stream', () => {
  it('reports bytes received of the declared length, chunk by chunk, and keeps the content type', async () => {
    const { text, type, seen } = await read(streamed(['abc', 'defg', 'h'], { 'Content-Length': '8', 'Content-Type': 'application/x-tar' }));
    assert.equal(text, 'abcdefgh');
    assert.equal(type, 'application/x-tar');
    assert.deepEqual(seen, [{ done: 0, total: 8 }, { done: 3, total: 8 }, { done: 7, total: 8 }, { done: 8, total: 8 }]);
  });

  it('counts without a total when no length is declared (the crate zip is sent chunked)', async () => {
    const { text, seen } = await read(streamed(['PK', '\u0003\u0004'], { 'Content-Type': 'application/zip' }));
    assert.equal(text, 'PK\u0003\u0004');
    assert.deepEqual(seen.map((p) => [p.done, p.total]), [[0, null], [2, null], [4, null]]);
  });

  it('refuses a body cut short of its declared length, or running past it', async () => {
    await assert.rejects(read(streamed(['abc'], { 'Content-Length': '10' })), (error: unknown) => error instanceof CutOffError && error.received === 3 && error.expected === 10);
    await assert.rejects(read(streamed(['abcdef'], { 'Content-Length': '4' })), CutOffError);
  });

  it('stops reading when cancelled, and says it was cancelled', async () => {
    const controller = new AbortController();
    const response = streamed(['a', 'b', 'c', 'd'], { 'Content-Length': '4' });
    const seen: number[] = [];
    const reading = readBody(response, (p) => {
      seen.push(p.done);
      if (p.done === 2) controller.abort();
    }, controller.signal);
    await assert.rejects(reading, (error: unknown) => isAbort(error));
    assert.deepEqual(seen, [0, 1, 2]);
  });

  it('takes a length only where the bytes read will match it', () => {
    assert.equal(declaredLength(new Headers({ 'Content-Length': '1234' })), 1234);
    assert.equal(declaredLength(new Headers({ 'Content-Length': '1234', 'Content-Encoding': 'identity' })), 1234);
    assert.equal(declaredLength(new Headers({ 'Content-Length': '1234', 'Content-Encoding': 'gzip' })), null, 'fetch hands over the decoded bytes');
    assert.equal(declaredLength(new Headers()), null);
    assert.equal(declaredLength(new Headers({ 'Content-Length': '12x' })), null);
  });

  it('hands its signal to the request, and names the file as the server says, or by the fallback', async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const answer = (headers: Record<string, string>) => (signal: AbortSignal) => {
      signals.push(signal);
      return Promise.resolve(streamed(['tar'], headers));
    };
    const named = await download(answer({ 'Content-Disposition': 'attachment; filename="narrative-7.v3.archive.tar"' }), 'fallback.tar', () => undefined, controller.signal);
    assert.equal(named.fileName, 'narrative-7.v3.archive.tar');
    assert.equal(await named.blob.text(), 'tar');
    assert.equal((await download(answer({}), 'fallback.tar', () => undefined, controller.signal)).fileName, 'fallback.tar');
    assert.equal(signals.length, 2);
    assert.ok(signals.every((signal) => signal === controller.signal), 'a cancel reaches the request itself');
  });

  it('asks nothing once cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    let asked = false;
    const asking = download(() => {
      asked = true;
      return Promise.resolve(new Response('x'));
    }, 'x.tar', () => undefined, controller.signal);
    await assert.rejects(asking, (error: unknown) => isAbort(error));
    assert.equal(asked, false);
  });
});
