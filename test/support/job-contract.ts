import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { failureOf, outputsOf, ApiError, type AppSpec, type NarrativeClient } from '@narrative/server/client';
import type { Harness } from './harness.js';
import { markedProcesses, newMarker } from './marked-processes.js';
import { buildTestApp, uploadReads } from './test-app.js';

const status = (e: unknown) => (e as ApiError).status;

/** What differs between backends: the image format they run, and the runtime provenance names. */
export interface ContractOptions {
  /** The test app as this backend runs it (built after `start`); default: buildTestApp's directory image. */
  app?: () => Promise<AppSpec>;
  /** The runtime recorded in provenance; default charliecloud. */
  runtime?: string;
}

/**
 * The job contract every scheduler backend passes: the same runs, failures,
 * cancels and refusals, whatever runs the wrapper.
 */
export function jobContract(title: string, start: () => Promise<Harness>, stop: (h: Harness) => Promise<void> = (h) => h.stop(), options: ContractOptions = {}): void {
  describe(title, () => {
    let h: Harness;
    let alice: NarrativeClient;
    let app: AppSpec;
    let wsid: number;
    let readsRef: string;
    const reads = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

    before(async () => {
      h = await start();
      alice = h.users.alice!.client;
      app = await (options.app ?? buildTestApp)();
      await h.admin.registerApp(app);
      wsid = (await alice.createWorkspace('alice-jobs')).id;
      readsRef = await uploadReads(alice, wsid, reads);
    });
    after(() => stop(h));

    const run = (params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => alice.run({ app: app.id, ws: String(wsid), inputs: { reads: readsRef }, params, ...extra });

    it('runs an app to completion and saves its typed output with complete provenance', async () => {
      const job = await alice.waitForJob((await run()).id);
      assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
      assert.equal(job.outputs!.length, 1);
      const output = await alice.getObject(job.outputs![0]!);
      assert.equal(output.type, 'Report.Report-1.0');
      assert.equal(output.name, `stats-job${job.id}`);
      assert.deepEqual(output.data, { title: 'line count' });
      assert.deepEqual(output.files, [{ name: 'lines.txt', sha256: createHash('sha256').update('8\n').digest('hex'), size: 2 }]);
      const p = output.provenance;
      assert.equal(p.kind, 'app');
      assert.deepEqual(p.inputs, [{ given: readsRef, resolved: readsRef }]);
      const block = p.app as Record<string, unknown>;
      assert.equal(block.id, app.id);
      assert.equal(block.version, app.version);
      assert.equal(block.imageDigest, app.container.image.digest);
      assert.deepEqual(block.params, { mode: 'ok' });
      assert.equal(block.jobId, job.id);
      assert.equal((block.runtime as { name: string }).name, options.runtime ?? 'charliecloud');
      assert.ok(block.node);
      const lineage = await alice.lineage(output.ref, 'ancestors');
      assert.deepEqual(lineage.edges, [{ from: readsRef, to: output.ref, relation: 'input' }]);
    });

    it('records where a run was started and what ran it: narrative, cell, launcher and wrapper versions', async () => {
      const narrative = await alice.createNarrative('Contract provenance');
      const input = await uploadReads(alice, narrative.wsid, reads);
      const started = { app: app.id, ws: String(narrative.wsid), inputs: { reads: input }, params: {} };
      const job = await alice.waitForJob((await alice.run({ ...started, narrative: { id: narrative.id, cell: 'cell-7f3a' } })).id);
      assert.equal(job.state, 'completed', JSON.stringify(failureOf(job)));
      const { provenance } = await alice.getObject(outputsOf(job)[0]!);
      assert.deepEqual(provenance.narrative, { id: narrative.id, cell: 'cell-7f3a' });
      assert.equal(provenance.app?.runtime.name, options.runtime ?? 'charliecloud');
      assert.match(provenance.app?.runtime.version ?? '', /\S/, 'the launcher version');
      assert.match(provenance.app?.wrapper?.version ?? '', /^[0-9]+\.[0-9]+\.[0-9]+/, 'the wrapper version');
      const elsewhere = await alice.run({ ...started, ws: String(wsid), inputs: { reads: readsRef }, narrative: { id: narrative.id } }).catch((e: unknown) => e);
      assert.equal(status(elsewhere), 400, "a run names its own workspace's narrative");
    });

    it('keeps the log, run as an unprivileged account', async () => {
      const job = await alice.waitForJob((await run()).id);
      const { lines, next } = await alice.jobLog(job.id);
      assert.match(lines.map((l) => l.text).join('\n'), /^uid [1-9][0-9]* mode ok$/m);
      assert.equal(next, lines.length);
      assert.deepEqual((await alice.jobLog(job.id, 1)).lines.map((l) => l.n), lines.slice(1).map((l) => l.n));
    });

    it('records state changes in order, resumable after any sequence number', async () => {
      const job = await alice.waitForJob((await run()).id);
      const events = await alice.jobEvents(job.id);
      const states = events.map((e) => e.event.state);
      assert.equal(states[0], 'created');
      assert.equal(states.at(-1), 'completed');
      assert.ok(states.indexOf('queued') < states.indexOf('completed'));
      const seqs = events.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      assert.deepEqual((await alice.jobEvents(job.id, seqs[1]!)).map((e) => e.seq), seqs.slice(2));
    });

    it('is idempotent on a client request id', async () => {
      const first = await run({}, { clientRequestId: 'request-0001' });
      const again = await run({}, { clientRequestId: 'request-0001' });
      assert.equal(again.id, first.id);
      await alice.waitForJob(first.id);
    });

    it('fails with the exit code when the app fails, saving nothing', async () => {
      const before = (await alice.listObjects(wsid)).total;
      const job = await alice.waitForJob((await run({ mode: 'fail' })).id);
      assert.equal(job.state, 'failed');
      assert.deepEqual(job.failure, { kind: 'exit-code', code: 3 });
      assert.match((await alice.jobLog(job.id)).lines.filter((l) => l.stream === 'stderr').map((l) => l.text).join(), /something broke/);
      assert.equal((await alice.listObjects(wsid)).total, before);
    });

    it('fails with invalid-outputs, all or nothing, when outputs.json is wrong', async () => {
      const before = (await alice.listObjects(wsid)).total;
      for (const mode of ['bad-outputs', 'bad-type']) {
        const job = await alice.waitForJob((await run({ mode })).id);
        assert.equal(job.state, 'failed', mode);
        assert.equal((job.failure as { kind: string }).kind, 'invalid-outputs', mode);
      }
      assert.equal((await alice.listObjects(wsid)).total, before, 'no output of a failed job is saved');
    });

    it('cancels a running job: the container process is gone', async () => {
      // The app's sleep carries this marker in its environment: only this job's process counts, not any sleep on the machine.
      const marker = newMarker();
      const job = await run({ mode: 'sleep', marker });
      for (let i = 0; i < 200 && markedProcesses(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(markedProcesses(marker).length, 1, 'the app started');
      const cancelled = await alice.cancelJob(job.id);
      assert.equal(cancelled.state, 'cancelled');
      for (let i = 0; i < 50 && markedProcesses(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(markedProcesses(marker), []);
    });

    it('retries an ended job as a new one', async () => {
      const failed = await alice.waitForJob((await run({ mode: 'fail' })).id);
      const retried = await alice.retryJob(failed.id);
      assert.equal(retried.retryOf, failed.id);
      assert.equal(retried.attempt, 2);
      assert.deepEqual(retried.inputs, failed.inputs);
      await alice.waitForJob(retried.id);
    });

    it('refuses bad runs with clear errors and starts nothing', async () => {
      const assembly = await alice.saveObject(wsid, { name: 'not-reads', type: 'Report.Report-1.0', data: { title: 'x' } });
      const cases: [Promise<unknown>, number, RegExp][] = [
        [alice.run({ app: 'test/nope', ws: String(wsid), inputs: { reads: readsRef } }), 404, /no app test\/nope/],
        [alice.run({ app: app.id, version: '9.9.9', ws: String(wsid), inputs: { reads: readsRef } }), 404, /9\.9\.9/],
        [alice.run({ app: app.id, ws: String(wsid), inputs: { reads: assembly.ref } }), 422, /reads takes Genomics\.Reads-1\.0/],
        [alice.run({ app: app.id, ws: String(wsid), inputs: {} }), 422, /inputs\/reads is required/],
        [alice.run({ app: app.id, ws: String(wsid), inputs: { reads: readsRef, other: readsRef } }), 422, /no input other/],
        [run({ mode: 'explode' }), 422, /params\/mode/],
        [h.users.bob!.client.run({ app: app.id, ws: String(wsid), inputs: { reads: readsRef } }), 403, /workspace/],
      ];
      for (const [request, code, message] of cases) {
        const error = await request.then(() => null, (e: unknown) => e);
        assert.equal(status(error), code, String(message));
        assert.match((error as ApiError).problem.detail, message);
      }
      const bobWs = (await h.users.bob!.client.createWorkspace('bob-jobs')).id;
      const unreadable = await h.users.bob!.client.run({ app: app.id, ws: String(bobWs), inputs: { reads: readsRef } }).catch((e: unknown) => e);
      assert.equal(status(unreadable), 403, 'an input the caller cannot read');
    });

    it('refuses to change a registered app version', async () => {
      assert.equal((await h.admin.registerApp(app)).version, app.version, 'the same spec again is fine');
      const changed = await h.admin.registerApp({ ...app, argv: ['/bin/sh', '-c', 'true'] }).catch((e: unknown) => e);
      assert.equal(status(changed), 409);
      const plainUser = await alice.registerApp({ ...app, version: '2.0.0' }).catch((e: unknown) => e);
      assert.equal(status(plainUser), 403);
    });

    it('holds an app to its memory: beyond it the job fails out-of-memory, saying the limit and the peak', async () => {
      const limit = app.resources.memoryMiB;
      const killed = await alice.waitForJob((await run({ mode: 'allocate', mib: limit * 2 })).id);
      assert.equal(killed.state, 'failed');
      // An OOM kill happens at the limit: the peak is the limit.
      assert.deepEqual(killed.failure, { kind: 'out-of-memory', limitMiB: limit, peakMiB: limit, message: `killed for memory: its limit is ${limit} MiB and it held ${limit} MiB at its peak` });
      const log = (await alice.jobLog(killed.id)).lines.map((l) => l.text).join('\n');
      assert.match(log, new RegExp(`^out of memory: the kernel killed a process of the app at its limit of ${limit} MiB`, 'm'));
      assert.doesNotMatch(log, /^held /m);
      const within = await alice.waitForJob((await run({ mode: 'allocate', mib: limit / 2 })).id);
      assert.equal(within.state, 'completed', JSON.stringify(failureOf(within)));
    });
  });
}
