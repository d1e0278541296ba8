import type { TranslationBundle } from '@jupyterlab/translation';
import { ApiError, type Narrative, type NarrativeClient, type ProblemDocument } from '@narrative/server/client';
import { xsrfToken } from '../client/client.js';
import { abortError, type IProgress } from './download.js';

/** Where an import is: its bytes on the way, or all sent and the server checking and importing them. */
export type ImportProgress = ({ phase: 'sending' } & IProgress) | { phase: 'importing' };

/**
 * Uploads an offline archive to `POST /imports` and answers the narrative it
 * became. XMLHttpRequest, as the Data panel's upload, because fetch reports
 * no upload progress (and Chromium streams request bodies only over HTTP/2);
 * signed in by the session cookie and its XSRF twin, on the shared client's
 * server. A refusal rejects with the server's problem as an ApiError.
 */
export function uploadArchive(client: NarrativeClient, archive: Blob, onProgress: (progress: ImportProgress) => void, signal: AbortSignal, trans: TranslationBundle): Promise<Narrative> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    signal.addEventListener('abort', abort, { once: true });
    const settle = (settled: () => void) => {
      signal.removeEventListener('abort', abort);
      settled();
    };
    xhr.open('POST', `${client.url}/api/v1/imports`);
    xhr.setRequestHeader('Content-Type', 'application/x-tar');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-XSRFToken', xsrfToken());
    xhr.upload.onprogress = (e) => onProgress({ phase: 'sending', done: e.loaded, total: e.lengthComputable ? e.total : archive.size });
    xhr.upload.onload = () => onProgress({ phase: 'importing' });
    xhr.onload = () => settle(() => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as Narrative);
        } catch {
          reject(new Error(trans.__('The server answered the import with something that is not a narrative.')));
        }
      } else {
        reject(new ApiError(xhr.status, Private.problemOf(xhr)));
      }
    });
    xhr.onerror = () => settle(() => reject(new Error(trans.__('The connection to the server failed during the upload.'))));
    xhr.onabort = () => settle(() => reject(abortError()));
    xhr.send(archive);
  });
}

namespace Private {
  /** The server's problem document, or one made of the status when the answer is not one (a proxy's page, say). */
  export function problemOf(xhr: XMLHttpRequest): ProblemDocument {
    try {
      const problem = JSON.parse(xhr.responseText) as Partial<ProblemDocument>;
      if (typeof problem.title === 'string') return { type: 'about:blank', status: xhr.status, detail: '', ...problem } as ProblemDocument;
    } catch {
      // not JSON: described by its status below
    }
    return { type: 'about:blank', title: xhr.statusText || String(xhr.status), status: xhr.status, detail: xhr.responseText.slice(0, 500) };
  }
}
