import fc from 'fast-check';
import { percent } from './percent.js';

/** One part of a multipart body. `size` bytes of filler follow `text` (so a 300 KB file stays small to print). */
export interface Part {
  /** The Content-Disposition line's parameters as written, or null for no Content-Disposition at all. */
  disposition: string | null;
  extraHeaders: string[];
  text: string;
  size: number;
}

/**
 * A multipart/form-data body as a description: the parts, the boundary the
 * body uses and the one the Content-Type declares (they may differ), and how
 * it ends. `render` turns it into bytes.
 */
export interface Multipart {
  contentType: string;
  boundary: string;
  parts: Part[];
  ending: 'close' | 'none' | 'close-no-crlf' | 'dashes-only';
  newline: '\r\n' | '\n';
  preamble: string;
}

/** The upload limits the operator guide lists (server/src/limits.ts): the cases go one past each. */
export const UPLOAD_FILES_MAX = 20;
export const UPLOAD_FIELDS_MAX = 20;
export const UPLOAD_PARTS_MAX = 60;

export function field(name: string, value: string): Part {
  return { disposition: `form-data; name="${name}"`, extraHeaders: [], text: value, size: 0 };
}

export function file(filename: string, text = 'hello\n', size = 0, fieldName = 'file'): Part {
  return { disposition: `form-data; name="${fieldName}"; filename="${filename}"`, extraHeaders: ['Content-Type: application/octet-stream'], text, size };
}

/** A body the server accepts: a report object with one file (names carry the marker). */
export function validUpload(marker: string, n: number, files: Part[] = [file(`${marker}-${n}.txt`)]): Multipart {
  const boundary = `----fuzz${marker}${n}`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    boundary,
    parts: [field('name', `${marker}-up-${n}`), field('type', 'Report.Report-1.0'), field('data', '{"title":"fuzz upload"}'), ...files],
    ending: 'close',
    newline: '\r\n',
    preamble: '',
  };
}

export function renderMultipart(m: Multipart): Buffer {
  const nl = m.newline;
  const chunks: Buffer[] = [Buffer.from(m.preamble)];
  for (const p of m.parts) {
    const head = [`--${m.boundary}`, ...(p.disposition === null ? [] : [`Content-Disposition: ${p.disposition}`]), ...p.extraHeaders].join(nl);
    chunks.push(Buffer.from(`${head}${nl}${nl}${p.text}`, 'utf8'));
    if (p.size > 0) chunks.push(Buffer.alloc(p.size, 0x61));
    chunks.push(Buffer.from(nl));
  }
  if (m.ending === 'close') chunks.push(Buffer.from(`--${m.boundary}--${nl}`));
  else if (m.ending === 'close-no-crlf') chunks.push(Buffer.from(`--${m.boundary}--`));
  else if (m.ending === 'dashes-only') chunks.push(Buffer.from('--'));
  return Buffer.concat(chunks);
}

/**
 * Complete multipart bodies, valid or broken in one way each: too many files,
 * fields or parts; oversized files and fields; hostile file names; missing or
 * mismatched boundaries; odd endings and line breaks; missing headers.
 * (Bodies cut off in transit are transport mutations, in transport.ts.)
 */
export function multipartArbitrary(marker: string, hostile: fc.Arbitrary<string>, fileBytesLimit: number, jsonBytesLimit: number): fc.Arbitrary<Multipart> {
  const n = fc.nat({ max: 9999 });
  const files = (count: number, size = 0) => Array.from({ length: count }, (_, i) => file(`${marker}-f${i}.txt`, 'x', size));
  const fields = (count: number) => Array.from({ length: count }, (_, i) => field(`extra${i}`, 'v'));
  const change = <T>(arb: fc.Arbitrary<T>, f: (m: Multipart, v: T) => Multipart) => fc.tuple(n, arb).map(([i, v]) => f(validUpload(marker, i), v));
  return fc.oneof(
    { weight: 3, arbitrary: n.map((i) => validUpload(marker, i)) },
    { weight: 2, arbitrary: change(fc.constantFrom(UPLOAD_FILES_MAX, UPLOAD_FILES_MAX + 1, UPLOAD_FILES_MAX + 5), (m, count) => ({ ...m, parts: [...m.parts.slice(0, 3), ...files(count)] })) },
    { weight: 1, arbitrary: change(fc.constantFrom(UPLOAD_FIELDS_MAX + 1, UPLOAD_PARTS_MAX + 1), (m, count) => ({ ...m, parts: [...m.parts, ...fields(count)] })) },
    { weight: 2, arbitrary: change(fc.constantFrom(fileBytesLimit - 1, fileBytesLimit + 1, fileBytesLimit * 2), (m, size) => ({ ...m, parts: [...m.parts.slice(0, 3), file(`${marker}-big.bin`, '', size)] })) },
    { weight: 1, arbitrary: change(fc.constant(jsonBytesLimit + 1), (m, size) => ({ ...m, parts: [m.parts[0]!, m.parts[1]!, { ...field('data', '"'), size }, ...m.parts.slice(3)] })) },
    { weight: 3, arbitrary: change(hostile, (m, name) => ({ ...m, parts: [...m.parts.slice(0, 3), file(name.replace(/"/g, '%22'))] })) },
    { weight: 1, arbitrary: change(hostile, (m, name) => ({ ...m, parts: [...m.parts.slice(0, 3), { ...file('x.txt'), disposition: `form-data; name="file"; filename*=UTF-8''${percent(name, /^[A-Za-z0-9\-_.!~*'()]$/)}` }] })) },
    { weight: 2, arbitrary: change(hostile, (m, value) => ({ ...m, parts: [field('name', value), field('type', value), field('data', value), ...m.parts.slice(3)] })) },
    { weight: 2, arbitrary: change(fc.constantFrom('', 'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=other', 'multipart/form-data; boundary="unclosed', `multipart/form-data; boundary=${'b'.repeat(200)}`, 'multipart/mixed; boundary=X', 'text/plain', 'application/json', 'multipart/form-data; boundary=a b', 'multipart/form-data; charset=utf-16; boundary=X'), (m, type) => ({ ...m, contentType: type.replace(/boundary=X$/, `boundary=${m.boundary}`) })) },
    { weight: 2, arbitrary: change(fc.constantFrom<Multipart['ending']>('none', 'close-no-crlf', 'dashes-only'), (m, ending) => ({ ...m, ending })) },
    { weight: 1, arbitrary: change(fc.constant('\n' as const), (m, newline) => ({ ...m, newline })) },
    { weight: 1, arbitrary: change(fc.constantFrom('preamble\r\n', '\r\n\r\n', `--not-the-boundary\r\n`), (m, preamble) => ({ ...m, preamble })) },
    { weight: 2, arbitrary: change(fc.constantFrom<(m: Multipart) => Part[]>(
      (m) => [...m.parts.slice(0, 3), { ...file('x.txt'), disposition: null }],
      (m) => [...m.parts.slice(0, 3), { ...file('x.txt'), disposition: 'form-data' }],
      (m) => [...m.parts.slice(0, 3), { ...file('x.txt'), disposition: 'attachment; filename="x.txt"' }],
      (m) => [...m.parts.slice(0, 3), { ...file('x.txt'), extraHeaders: [`X-Long: ${'h'.repeat(100_000)}`] }],
      (m) => [...m.parts.slice(0, 3), { ...file('x.txt'), extraHeaders: ['Content-Transfer-Encoding: base64'], text: '!!!notbase64' }],
      (m) => [...m.parts, ...m.parts],
      (m) => m.parts.slice(0, 3),
      (m) => [m.parts[3]!],
      () => [],
    ), (m, parts) => ({ ...m, parts: parts(m) })) },
  );
}
