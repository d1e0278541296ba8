/** The files cannot be read as their type says: the version gets no summary, which is no failure of the server. */
export class Malformed extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'Malformed';
  }
}

/** zlib's errors for bytes that are not (whole) gzip: the file's fault, like any other malformed content. */
export function isBadCompression(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
