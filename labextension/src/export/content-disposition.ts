/**
 * The file name a Content-Disposition header offers (RFC 6266): `filename*`
 * (RFC 8187: UTF-8, percent-encoded) before `filename`, quoted or bare.
 * Only the last path segment is kept, without control characters, so a
 * name can never point into another directory; with no usable name, `fallback`.
 */
export function fileNameOf(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const params = Private.parameters(header);
  const name = Private.extended(params.get('filename*')) ?? params.get('filename');
  const base = name?.split(/[/\\]/).pop()?.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base && base !== '.' && base !== '..' ? base : fallback;
}

namespace Private {
  /** `; name=value` pairs after the disposition type, names lower-cased, quoted values unquoted. */
  export function parameters(header: string): Map<string, string> {
    const params = new Map<string, string>();
    for (const match of header.matchAll(/;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
      const [, name = '', raw = ''] = match;
      const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.trim();
      if (!params.has(name.toLowerCase())) params.set(name.toLowerCase(), value);
    }
    return params;
  }

  /** An RFC 8187 value `UTF-8'<language>'<percent-encoded>`; other charsets and bad encodings are passed over. */
  export function extended(value: string | undefined): string | undefined {
    const match = value?.match(/^([^']*)'[^']*'(.*)$/);
    if (!match || match[1]?.toLowerCase() !== 'utf-8') return undefined;
    try {
      return decodeURIComponent(match[2] ?? '');
    } catch {
      return undefined;
    }
  }
}
