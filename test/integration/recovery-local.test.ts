import assert from 'node:assert/strict';
import { failureOf } from '@narrative/server/client';
import { after, test } from 'node:test';
import { ServerProcesses, kill9 } from '../support/server-process.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

/**
 * The embedded default after kill -9: the local scheduler's table is gone,
 * but a job whose wrapper still runs finishes and is saved; a job that was
 * only waiting in the lost queue ends failed (lost), never stuck.
 */
const servers = new ServerProcesses();
after(() => servers.cleanup());

test('a restarted server keeps the local jobs that still run, and fails the ones it lost', async () => {
  const home = await servers.newHome('narrative-recovery-local-');
  const env = { NARRATIVE_LOCAL_SLOTS: '1', NARRATIVE_RECONCILE_MS: '200' };
  let server = await servers.serve(home, env);
  const app = await buildTestApp();
  await server.client.registerApp(app);
  const ws = (await server.client.createWorkspace('recovery-local')).id;
  const reads = await uploadReads(server.client, ws, '@r\nACGT\n+\nIIII\n');
  const run = () => server.client.run({ app: app.id, ws: String(ws), inputs: { reads }, params: { mode: 'slow' } });
  const running = await run();
  const waiting = await run();
  for (let i = 0; i < 100 && (await server.client.job(running.id)).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await server.client.job(running.id)).state, 'running');
  assert.equal((await server.client.job(waiting.id)).state, 'queued');
  await kill9(server.proc);

  server = await servers.serve(home, env);
  const finished = await server.client.waitForJob(running.id, { timeoutMs: 30_000 });
  assert.equal(finished.state, 'completed', JSON.stringify(failureOf(finished)));
  assert.equal((await server.client.getObject(finished.outputs![0]!)).type, 'Report.Report-1.0');
  const lost = await server.client.waitForJob(waiting.id, { timeoutMs: 30_000 });
  assert.equal(lost.state, 'failed');
  assert.equal((lost.failure as { kind: string }).kind, 'lost');
});
