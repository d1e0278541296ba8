import type { Request } from 'express';
import { payloadTooLarge } from '../errors.js';

/** A small request body as text, for routes outside the REST pipeline; past `maxBytes` a 413 saying what `what` should be. */
export async function readSmallBody(req: Request, maxBytes: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw payloadTooLarge(`${what} are small JSON documents.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
