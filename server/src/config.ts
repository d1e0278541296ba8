import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Limits } from './domain/context.js';

/** Server settings: embedded defaults, overridden by NARRATIVE_* environment variables, then by explicit options. */
export interface Config {
  /** Data directory: the SQLite database, blobs, the first admin's token. */
  home: string;
  host: string;
  port: number;
  typesDir: string;
  limits: Limits;
  logLevel: string;
}

const MiB = 1024 * 1024;

/** The first admin's token, written by the first start into the data directory (mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token';

export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.NARRATIVE_HOME ?? join(homedir(), '.narrative'));
}

export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  return {
    home: defaultHome(env),
    host: env.NARRATIVE_HOST ?? '127.0.0.1',
    port: numberFrom(env.NARRATIVE_PORT, 8765),
    typesDir: env.NARRATIVE_TYPES_DIR ?? fileURLToPath(new URL('../../apps-catalog/types', import.meta.url)),
    limits: {
      jsonBytes: numberFrom(env.NARRATIVE_MAX_JSON_BYTES, 16 * MiB),
      blobBytes: numberFrom(env.NARRATIVE_MAX_FILE_BYTES, 4096 * MiB),
    },
    logLevel: env.NARRATIVE_LOG_LEVEL ?? 'info',
    ...overrides,
  };
}

function numberFrom(text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a whole number: ${text}`);
  return value;
}
