/**
 * The POSIX tar layout (ustar headers, pax records for what ustar cannot
 * say), written and read by hand: an archive is one stream of 512-byte
 * blocks, so both sides handle any size with flat memory and no tar binary.
 */
export const BLOCK = 512;
/** The largest size a ustar header's 11 octal digits can hold; past it the size goes in a pax record. */
const USTAR_MAX_SIZE = 0o77777777777;

/** The header blocks (pax record included) that precede an entry of this path and size. */
export function headerOf(path: string, size: number, mtime: Date): Buffer {
  const pax: string[] = [];
  const split = splitPath(path);
  if (!split) pax.push(paxRecord('path', path));
  if (size > USTAR_MAX_SIZE) pax.push(paxRecord('size', String(size)));
  const seconds = Math.floor(mtime.getTime() / 1000);
  const main = ustar(split ?? { prefix: '', name: path.slice(0, 99) }, size > USTAR_MAX_SIZE ? 0 : size, '0', seconds);
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(''));
  return Buffer.concat([ustar({ prefix: '', name: 'PaxHeader' }, body.length, 'x', seconds), body, Buffer.alloc(padding(body.length)), main]);
}

/** Every archive's last two blocks: zeros. */
export const END = Buffer.alloc(2 * BLOCK);

export const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/** Bytes an entry takes in the archive: headers, content, padding. */
export const entryBytes = (path: string, size: number) => headerOf(path, size, new Date(0)).length + size + padding(size);

/** A pax record's length counts its own digits, so it is found by trying. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest);
  while (String(length).length + Buffer.byteLength(rest) !== length) length = String(length).length + Buffer.byteLength(rest);
  return `${length}${rest}`;
}

/** ustar fits a path of up to 100 bytes, or a prefix of 155 and a name of 100 split at a slash. */
function splitPath(path: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  return null;
}

function ustar({ prefix, name }: { prefix: string; name: string }, size: number, type: string, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(type, 156, 'ascii');
  block.write('ustar\x0000', 257, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum;
}

export interface TarHeader {
  path: string;
  size: number;
  type: string;
}

/** One header block as read; null for the zero block that ends an archive. A damaged header is an error. */
export function parseHeader(block: Buffer): TarHeader | null {
  if (block.every((b) => b === 0)) return null;
  const field = (at: number, length: number) => block.subarray(at, at + length).toString('utf8').replace(/\0.*$/s, '');
  const recorded = parseInt(field(148, 8).trim(), 8);
  if (recorded !== checksum(block)) throw new Error('a tar header is damaged (its checksum does not match)');
  const prefix = field(345, 155);
  const name = field(0, 100);
  return { path: prefix ? `${prefix}/${name}` : name, size: parseInt(field(124, 12).trim() || '0', 8), type: field(156, 1) || '0' };
}

/** The records of a pax header body: key → value. */
export function parsePax(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = parseInt(body.subarray(at, space).toString('ascii'), 10);
    if (space === -1 || !Number.isSafeInteger(length) || length <= 0) throw new Error('a pax header is damaged');
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}
