import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { outputsOf, type Job, type Narrative, type NarrativeClient } from '@narrative/server/client';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { moveToPostgres, needsPostgres } from '../support/postgres.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';

const READS = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

/** What a user and the admin see of the platform: equal before and after the move, or the move lost something. */
async function views(alice: NarrativeClient, bob: NarrativeClient, admin: NarrativeClient, narrative: Narrative, refs: string[]) {
  const objects = [];
  for (const ref of refs) {
    const object = await alice.getObject(ref);
    const files = [];
    for (const f of object.files) files.push(Buffer.from(await (await alice.downloadFile(ref, f.name)).arrayBuffer()).toString('base64'));
    objects.push({ object, files, lineage: await alice.lineage(ref) });
  }
  return {
    narratives: await alice.listNarratives(),
    sharedWithBob: (await bob.listNarratives()).map((n) => n.id),
    notebook: await alice.notebook(narrative.id),
    objects,
    listing: await alice.listObjects(narrative.wsid),
    myObjects: await alice.myObjects(),
    jobs: await alice.listJobs(),
    apps: await admin.listApps(),
    images: await admin.images(),
  };
}

/**
 * `narrative db migrate` on a data directory in use: narratives, objects with
 * files, a finished job with its outputs and lineage, a registered app and its
 * image. The server comes back on PostgreSQL with the same data directory and
 * answers every read as before, the old tokens still work, and new work goes on
 * where the old left off.
 */
describe('moving a data directory to PostgreSQL (narrative db migrate)', { skip: needsPostgres() }, () => {
  let h: Harness;
  let alice: NarrativeClient;
  let bob: NarrativeClient;
  let narrative: Narrative;
  let reads: string;
  let job: Job;

  before(async () => {
    h = await startHarness(['alice', 'bob']);
    alice = h.users.alice!.client;
    bob = h.users.bob!.client;
    await h.admin.registerApp(await buildTestApp());
    narrative = await alice.createNarrative('Counts');
    reads = await uploadReads(alice, narrative.wsid, READS, { name: 'reads' });
    job = await alice.waitForJob((await alice.run({ app: 'test/count-lines', ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'ok' }, narrative: { id: narrative.id, cell: 'cell-a' } })).id);
    assert.equal(job.state, 'completed');
    await alice.shareNarrative(narrative.id, { user: 'bob', level: 'read' });
  });
  after(async () => {
    await h?.stop();
  });

  it('refuses to copy while a server holds the data directory', async () => {
    const attempt = await runCli(['db', 'migrate', '--to', 'postgres://nobody@localhost/none'], { url: h.server.url, home: h.home });
    assert.notEqual(attempt.code, 0);
    assert.match(attempt.stderr, /in use by another narrative server/);
  });

  it('refuses a URL that is not PostgreSQL, without echoing it', async () => {
    const attempt = await runCli(['db', 'migrate', '--to', 'mysql://root:secret@db/x'], { url: h.server.url, home: h.home });
    assert.equal(attempt.code, 2);
    assert.match(attempt.stderr, /--to must be a PostgreSQL URL/);
    assert.doesNotMatch(attempt.stderr, /secret/);
  });

  it('serves every narrative, object, file, job, app and image as before, on PostgreSQL, and goes on from there', async () => {
    const refs = [reads, ...outputsOf(job)];
    const before = await views(alice, bob, h.admin, narrative, refs);
    const { report } = await moveToPostgres(h, 'migrate_data_dir');
    const copied = JSON.parse(report) as { tables: { name: string; rows: number }[] };
    assert.equal(copied.tables.find((t) => t.name === 'jobs')?.rows, 1);
    assert.deepEqual(await views(alice, bob, h.admin, narrative, refs), before);

    const again = await alice.waitForJob((await alice.run({ app: 'test/count-lines', ws: String(narrative.wsid), inputs: { reads }, params: { mode: 'ok' } })).id);
    assert.equal(again.state, 'completed');
    assert.ok(again.id > job.id, 'job ids go on after the copied ones');
    const [output] = outputsOf(again);
    assert.deepEqual((await alice.getObject(output!)).data, (await alice.getObject(outputsOf(job)[0]!)).data, 'the same count on the new store');
    const carol = await h.admin.createUser('carol', 'user', 'carol-password');
    assert.ok(carol.token.length > 0);
  });
});
