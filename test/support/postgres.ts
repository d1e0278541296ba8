import assert from 'node:assert/strict';
import { sharedPostgresCluster } from '@narrative/server/testing';
import { runCli } from './cli.js';
import type { Harness } from './harness.js';

export { needsPostgres } from '@narrative/server/testing';

/**
 * Moves a harness's server off its SQLite store as an operator would: stops
 * it, copies the store into a new PostgreSQL database with `narrative db
 * migrate`, and starts it again on that database and the same data directory.
 */
export async function moveToPostgres(h: Harness, database: string): Promise<{ url: string; report: string }> {
  const url = await (await sharedPostgresCluster()).createDatabase(database);
  let report = '';
  await h.restart({ databaseUrl: url }, async () => {
    const moved = await runCli(['--json', 'db', 'migrate', '--to', url], { url: h.server.url, home: h.home, timeoutMs: 300_000 });
    assert.equal(moved.code, 0, `narrative db migrate failed: ${moved.stderr}`);
    report = moved.stdout;
  });
  return { url, report };
}
