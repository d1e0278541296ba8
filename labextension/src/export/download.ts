import type { NarrativeClient, NarrativeExportFormat, Publication } from '@narrative/server/client';
import { fileNameOf } from './content-disposition.js';

/** How far a transfer is: bytes so far, of a total when one is known. */
export interface IProgress {
  done: number;
  total: number | null;
}

/** What an export download gave: the bytes and the name the server chose for them. */
export interface IDownloaded {
  blob: Blob;
  fileName: string;
}

/** A body that ended before (or ran past) the length its response declared. */
export class CutOffError extends Error {
  constructor(readonly received: number, readonly expected: number) {
    super(`The download ended after ${received} of ${expected} bytes.`);
    this.name = 'CutOffError';
  }
}

/** The error a cancelled transfer ends with, as fetch's own. */
export function abortError(): DOMException {
  return new DOMException('The transfer was cancelled.', 'AbortError');
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error || error instanceof DOMException ? error.name === 'AbortError' : false;
}

/**
 * The body length a response declares, or null when it declares none the
 * bytes read will match: a compressed body (say, through a proxy) is read
 * decoded, while Content-Length counts it encoded.
 */
export function declaredLength(headers: Headers): number | null {
  const encoding = headers.get('Content-Encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') return null;
  const length = headers.get('Content-Length')?.trim();
  return length && /^\d+$/.test(length) ? Number(length) : null;
}

/**
 * Reads a response's body as a stream into a Blob, reporting each chunk.
 * Aborting `signal` cancels the stream (and the connection with it). A body
 * shorter or longer than its declared length is refused: the archive's
 * length is measured before its first byte precisely so a cut shows.
 */
export async function readBody(response: Response, onProgress: (progress: IProgress) => void, signal: AbortSignal): Promise<Blob> {
  const total = declaredLength(response.headers);
  const type = response.headers.get('Content-Type') ?? '';
  const reader = (response.body ?? new Blob().stream()).getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  if (signal.aborted) cancel();
  signal.addEventListener('abort', cancel, { once: true });
  const chunks: Uint8Array[] = [];
  let done = 0;
  try {
    onProgress({ done, total });
    for (;;) {
      const next = await reader.read();
      if (signal.aborted) throw abortError();
      if (next.done) break;
      chunks.push(next.value);
      done += next.value.byteLength;
      onProgress({ done, total });
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
  if (total !== null && done !== total) throw new CutOffError(done, total);
  return new Blob(chunks as BlobPart[], { type });
}

/**
 * Downloads what `start` answers with progress, named as its
 * Content-Disposition says or `fallbackName`. The signal reaches the
 * request too, so a cancel before the answer's headers closes the connection.
 */
export async function download(start: (signal: AbortSignal) => Promise<Response>, fallbackName: string, onProgress: (progress: IProgress) => void, signal: AbortSignal): Promise<IDownloaded> {
  if (signal.aborted) throw abortError();
  const response = await start(signal);
  const blob = await readBody(response, onProgress, signal);
  return { blob, fileName: fileNameOf(response.headers.get('Content-Disposition'), fallbackName) };
}

/** A narrative's export, downloaded with progress. */
export function downloadExport(client: NarrativeClient, id: number, format: NarrativeExportFormat, onProgress: (progress: IProgress) => void, signal: AbortSignal): Promise<IDownloaded> {
  return download((s) => client.exportNarrative(id, format, s), `narrative-${id}.${Private.extensions[format]}`, onProgress, signal);
}

/** A publication's archive, downloaded with progress: the same bytes every time. */
export function downloadPublication(client: NarrativeClient, publication: Publication, onProgress: (progress: IProgress) => void, signal: AbortSignal): Promise<IDownloaded> {
  const fallback = `narrative-${publication.narrative}.v${publication.version}.archive.tar`;
  return download((s) => client.publicationArchive(publication.contentId, s), fallback, onProgress, signal);
}

namespace Private {
  export const extensions: Record<NarrativeExportFormat, string> = { 'ro-crate': 'ro-crate.zip', prov: 'prov.json', archive: 'archive.tar' };
}
