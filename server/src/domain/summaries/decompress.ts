import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/**
 * The bytes of `source`, gunzipped when they start with gzip's magic number
 * (concatenated gzip members, as bgzip writes, included). Leaving the loop
 * early closes the source too.
 */
export async function* decompressed(source: Readable): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    // Two bytes tell gzip apart; a first chunk shorter than that is joined to the next.
    let head = Buffer.alloc(0);
    while (head.length < 2) {
      const next = await chunks.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    if (head.length === 0) return;
    async function* whole(): AsyncGenerator<Buffer> {
      yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    if (head[0] !== 0x1f || head[1] !== 0x8b) {
      yield* whole();
      return;
    }
    const gunzip = createGunzip();
    // A failure on either side ends the loop below with that error; the pipeline's own rejection says the same.
    pipeline(Readable.from(whole()), gunzip).catch(() => undefined);
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } finally {
      gunzip.destroy();
    }
  } finally {
    await chunks.return?.();
  }
}
