import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NarrativeClient } from '../client/index.js';
import { ADMIN_TOKEN_FILE, defaultHome } from '../config.js';

/** Options every command accepts (commander's globals). */
export interface GlobalOptions {
  json?: boolean;
  url?: string;
  token?: string;
}

/**
 * Where the server is and who we are: --url / --token, else NARRATIVE_URL /
 * NARRATIVE_TOKEN, else the embedded default URL and the first admin's token
 * that `narrative serve` left in NARRATIVE_HOME.
 */
export function clientFrom(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): NarrativeClient {
  const url = options.url ?? env.NARRATIVE_URL ?? `http://127.0.0.1:${env.NARRATIVE_PORT ?? 8765}`;
  const token = options.token ?? env.NARRATIVE_TOKEN ?? readAdminToken(env);
  return new NarrativeClient({ url, ...(token ? { token } : {}) });
}

function readAdminToken(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return readFileSync(join(defaultHome(env), ADMIN_TOKEN_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
