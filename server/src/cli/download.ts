import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { progressBar } from './progress.js';

/**
 * Saves a large download (an archive) under `path`: streamed to a temp
 * file beside it, with a progress bar on stderr when it is a terminal,
 * synced, then renamed into place, so an interrupted download leaves no
 * file under the name and a finished one survives a crash.
 */
export async function download(response: Response, path: string, showProgress: boolean): Promise<number> {
  if (!response.body) throw new Error('the server sent no body');
  const total = Number(response.headers.get('content-length') ?? 0);
  const bar = await progressBar('downloading [{bar}] {percentage}% {value}/{total} bytes', showProgress);
  bar?.start(total, 0);
  const partial = `${path}.partial`;
  let received = 0;
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebStream<Uint8Array>),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          received += chunk.length;
          bar?.update(received);
          yield chunk;
        }
      },
      createWriteStream(partial),
    );
    // The server states the length before it sends: fewer bytes means the stream was cut, whatever fetch made of it.
    if (total > 0 && received !== total) throw new Error(`the download was cut off after ${received} of ${total} bytes`);
    const handle = await open(partial, 'r');
    await handle.sync().finally(() => handle.close());
    await rename(partial, path);
    // Loaded here: the launcher's package is too big to load at every command's start.
    const { syncDirectory } = await import('@narrative/launcher-native');
    await syncDirectory(dirname(path));
    return received;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    bar?.stop();
  }
}
