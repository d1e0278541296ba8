import assert from 'node:assert/strict';
import { failureOf } from '@narrative/server/client';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig, startServer } from '@narrative/server';
import { startHarness, type Harness } from '../support/harness.js';
import { needsRoot } from '../support/prerequisites.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

const uidOf = async (user: string) => (await promisify(execFile)('id', ['-u', user])).stdout.trim();

/** An operator maps platform users to their own accounts; everyone else's jobs run as the service account. Never as root. */
describe('jobs run as the mapped account of their user', { skip: needsRoot('accounts are switched only when jobs start as root') }, () => {
  let h: Harness;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrative-accounts-'));
    await writeFile(join(dir, 'accounts.json'), JSON.stringify({ alice: 'nobody' }));
    h = await startHarness(['alice', 'bob'], { execution: { ...loadConfig().execution, accountMap: join(dir, 'accounts.json') } });
    await h.admin.registerApp(await buildTestApp());
  });
  after(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function uidOfJobBy(user: 'alice' | 'bob'): Promise<string> {
    const client = h.users[user]!.client;
    const ws = (await client.createWorkspace(`${user}-accounts`)).id;
    const reads = await uploadReads(client, ws, '@r\nA\n+\nI\n');
    const job = await client.waitForJob((await client.run({ app: 'test/count-lines', ws: String(ws), inputs: { reads } })).id);
    assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
    const line = (await client.jobLog(job.id)).lines.find((l) => l.text.startsWith('uid '))!;
    return line.text.split(' ')[1]!;
  }

  it("runs a mapped user's jobs as their account, others' as the service account", async () => {
    assert.equal(await uidOfJobBy('alice'), await uidOf('nobody'));
    assert.equal(await uidOfJobBy('bob'), await uidOf('narrative-runner'));
  });

  it('refuses to start with a map naming a missing account or root', async () => {
    for (const account of ['no-such-account-here', 'root']) {
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ carol: account }));
      const home = await mkdtemp(join(tmpdir(), 'narrative-accounts-home-'));
      const config = loadConfig({ home, port: 0, logLevel: 'silent' });
      await assert.rejects(startServer({ ...config, execution: { ...config.execution, accountMap: join(dir, 'bad.json') } }), /not an unprivileged account/);
      await rm(home, { recursive: true, force: true });
    }
  });
});
