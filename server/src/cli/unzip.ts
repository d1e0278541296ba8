import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry } from 'yauzl';

/**
 * Unpacks a zip into `dir`, one entry at a time. yauzl already refuses
 * names that are absolute or climb out with `..`; each target is checked to
 * lie under `dir` all the same, since the zip came over the network.
 * Returns the files written.
 */
export async function extractZip(zipPath: string, dir: string): Promise<string[]> {
  const root = resolve(dir);
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, strictFileNames: true, autoClose: false });
  const written: string[] = [];
  try {
    await new Promise<void>((done, fail) => {
      zip.on('entry', (entry: Entry) => {
        const target = resolve(root, entry.fileName);
        if (!target.startsWith(`${root}${sep}`)) return fail(new Error(`the zip holds ${entry.fileName}, outside the directory it unpacks into`));
        if (entry.fileName.endsWith('/')) return void mkdir(target, { recursive: true }).then(() => zip.readEntry(), fail);
        void (async () => {
          await mkdir(dirname(target), { recursive: true });
          await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target, { flags: 'wx' }));
          written.push(entry.fileName);
          zip.readEntry();
        })().catch(fail);
      });
      zip.on('end', () => done());
      zip.on('error', fail);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return written;
}
