import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type Config, type RunningServer } from '@narrative/server';
import { NarrativeClient } from '@narrative/server/client';

/** A real server on an ephemeral port with its own data directory, and clients for an admin and named users. */
export interface Harness {
  server: RunningServer;
  home: string;
  admin: NarrativeClient;
  anonymous: NarrativeClient;
  users: Record<string, { client: NarrativeClient; token: string }>;
  client(token?: string): NarrativeClient;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the server, runs `meanwhile`, and starts it again on the same data directory and port with `more` settings (a database, say). */
  restart(more: Partial<Config>, meanwhile?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startHarness(userNames: string[] = [], overrides: Partial<Config> = {}): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'narrative-test-'));
  // Jobs are reconciled every 100 ms, so tests wait on jobs, not on the timer.
  const env = { ...process.env, NARRATIVE_RECONCILE_MS: process.env.NARRATIVE_RECONCILE_MS ?? '100' };
  // No Jupyter child unless a test asks for code cells: most tests never start a kernel.
  const kernels = { enabled: false, python: '/usr/bin/python3' };
  // No bundled apps built in the background unless a test asks: they would race every test's own registrations.
  const configWith = (more: Partial<Config>) => loadConfig({ home, port: 0, logLevel: process.env.NARRATIVE_LOG_LEVEL ?? 'silent', kernels, bundledApps: 'off', ...overrides, ...more }, env);
  let server = await startServer(configWith({}));
  const client = (token?: string) => new NarrativeClient({ url: server.url, ...(token ? { token } : {}) });
  const admin = client(server.adminToken!);
  const users: Harness['users'] = {};
  for (const name of userNames) {
    const { token } = await admin.createUser(name, 'user', `${name}-password`);
    users[name] = { client: client(token), token };
  }
  const harness: Harness = {
    server,
    home,
    admin,
    anonymous: client(),
    users,
    client,
    fetch: (path, init) => fetch(`${server.url}${path}`, init),
    async restart(more, meanwhile) {
      const port = server.port;
      await server.close();
      await meanwhile?.();
      overrides = { ...overrides, ...more };
      server = await startServer(configWith({ port }));
      harness.server = server;
    },
    async stop() {
      await server.close();
      // A local job's wrapper outlives the server (as it must, for a restart) and may still be writing its last lines.
      await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
  return harness;
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
