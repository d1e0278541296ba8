import { readFileSync } from 'node:fs';

/**
 * This wrapper's version, from its package (dist/wrapper/ → package.json), for
 * provenance: a node may run another build of the wrapper than the server's.
 */
export const WRAPPER_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
