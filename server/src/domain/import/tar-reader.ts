import { BLOCK, padding, parseHeader, parsePax } from '../export/archive/tar.js';

/** Why an archive cannot be read; the importer turns it into a refusal naming what broke. */
export class DamagedArchive extends Error {}

/** A pax header holds a path and a size; one this large is an attempt on memory, not an archive. */
const MAX_PAX_BYTES = 1024 * 1024;

/**
 * Reads a tar stream entry by entry with flat memory: `onEntry` gets each
 * regular file's path, size and its bytes as chunks, and must consume them
 * before the next entry is read. An archive cut off anywhere (inside a
 * file, or before its end blocks) is a DamagedArchive naming where, as is
 * any entry but a regular file: a link or a device would extract as other
 * bytes than the ones the manifest was checked against.
 */
export async function readTar(source: AsyncIterable<Buffer>, onEntry: (path: string, size: number, chunks: AsyncGenerator<Buffer>) => Promise<void>): Promise<void> {
  const input = new ByteReader(source[Symbol.asyncIterator]());
  let pax = new Map<string, string>();
  for (;;) {
    const block = await input.exactly(BLOCK, 'the end of the archive');
    let header;
    try {
      header = parseHeader(block);
    } catch (error) {
      throw new DamagedArchive((error as Error).message);
    }
    if (!header) return;
    const path = pax.get('path') ?? header.path;
    const size = pax.has('size') ? Number(pax.get('size')) : header.size;
    if (!Number.isSafeInteger(size) || size < 0) throw new DamagedArchive(`the size of ${path} is damaged`);
    pax = new Map();
    if (header.type === 'x') {
      if (size > MAX_PAX_BYTES) throw new DamagedArchive(`the pax header of ${path} is larger than ${MAX_PAX_BYTES} bytes`);
      pax = paxOf(await input.exactly(size, `the pax header of ${path}`));
      await input.exactly(padding(size), path);
      continue;
    }
    if (header.type !== '0') throw new DamagedArchive(`${path} is not a regular file (tar entry type ${JSON.stringify(header.type)}): an archive holds files only`);
    const entry = { left: size };
    await onEntry(path, size, input.chunks(entry, path));
    // Whatever the handler left unread is read past, so the next header lines up.
    await input.skip(entry.left + padding(size), path);
  }
}

function paxOf(body: Buffer): Map<string, string> {
  try {
    return parsePax(body);
  } catch (error) {
    throw new DamagedArchive((error as Error).message);
  }
}

/** Exact reads over a chunked stream, holding at most one chunk beyond what was asked. */
class ByteReader {
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async more(what: string): Promise<void> {
    const next = await this.source.next();
    if (next.done) throw new DamagedArchive(`the archive is truncated: it ends inside ${what}`);
    this.held = this.held.length === 0 ? next.value : Buffer.concat([this.held, next.value]);
  }

  async exactly(n: number, what: string): Promise<Buffer> {
    while (this.held.length < n) await this.more(what);
    const out = this.held.subarray(0, n);
    this.held = this.held.subarray(n);
    return out;
  }

  /** The entry's bytes as they arrive; `entry.left` counts what is still unread. */
  async *chunks(entry: { left: number }, what: string): AsyncGenerator<Buffer> {
    while (entry.left > 0) {
      if (this.held.length === 0) await this.more(what);
      const take = this.held.subarray(0, Math.min(entry.left, this.held.length));
      this.held = this.held.subarray(take.length);
      entry.left -= take.length;
      yield take;
    }
  }

  async skip(n: number, what: string): Promise<void> {
    for await (const _ of this.chunks({ left: n }, what)) void _;
  }
}
