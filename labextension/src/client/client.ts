import { PageConfig } from '@jupyterlab/coreutils';
import { NarrativeClient } from '@narrative/server/client';

/**
 * The `_xsrf` cookie, echoed as X-XSRFToken on every non-GET request (as JupyterLab's ServerConnection does).
 * The last one, as the server reads it: with a base URL other than `/` the browser may hold one per path.
 */
export function xsrfToken(): string {
  const values = [...document.cookie.matchAll(/(?:^|;\s*)_xsrf=([^;]*)/g)].map((m) => m[1] ?? '');
  return values[values.length - 1] ?? '';
}

/** A client on the page's own server, signed in by the session cookie. */
export function createClient(): NarrativeClient {
  return new NarrativeClient({ url: PageConfig.getBaseUrl(), headers: () => ({ 'X-XSRFToken': xsrfToken() }) });
}

/** A failure as one plain sentence for a panel's error state. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'problem' in error) {
    const { title, detail } = (error as { problem: { title: string; detail: string } }).problem;
    return detail ? `${title}: ${detail}` : title;
  }
  return error instanceof Error ? error.message : String(error);
}
