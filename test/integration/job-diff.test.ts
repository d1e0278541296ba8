import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppSpec, Job, JobDiff, NarrativeClient } from '@narrative/server/client';
import { registerBuiltApp } from '../support/built-apps.js';
import { runCli } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { uploadReads } from '../support/test-app.js';

/**
 * A probe that runs on any Debian image: it counts the reads' lines (the same
 * whatever its label), writes its `label` param to a file, and fails when the
 * label is `fail`. Its two versions run on two real images built from the
 * catalog's recipes (SeqKit's and Prodigal's), which share jq and the base
 * system but not the tool each was built for. The images are other apps', so
 * the script comes in the argv; params reach it only through /in/params.json.
 */
const SCRIPT = `set -eu
label=$(jq -r '.label // ""' /in/params.json)
[ "$label" != fail ] || { echo "failing as asked" >&2; exit 3; }
wc -l < /in/reads/reads.fastq > /out/lines.txt
printf '%s\\n' "$label" > /out/label.txt
echo '{"outputs":[{"name":"report","type":"Report.Report-1.0","data":{"title":"probe"},"files":["lines.txt","label.txt"]}]}' > /out/outputs.json
`;

function probeSpec(version: string, digest: string): AppSpec {
  return {
    id: 'test/diff-probe', version, name: 'Diff probe', description: 'Counts lines and writes its label (a test app).', categories: ['Test'],
    inputs: [{ name: 'reads', types: ['Genomics.Reads-1.0'], required: true, description: 'reads to count' }],
    params: { type: 'object', properties: { label: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' } } },
    outputs: [{ name: 'report', type: 'Report.Report-1.0', description: 'the count and the label' }],
    resources: { cpus: 1, memoryMiB: 256, timeMinutes: 5, gpus: 0 },
    network: false, mpi: false,
    container: { image: { digest } },
    argv: ['/bin/sh', '-c', SCRIPT],
  };
}

describe('diff two runs (local scheduler, real Debian images)', () => {
  let h: Harness;
  let dir: string;
  let alice: NarrativeClient;
  /** v1 on the SeqKit image with label "first"; v2 on the Prodigal image with label "second"; v1 again failing. */
  let first: Job;
  let second: Job;
  let failed: Job;
  let carols: Job;

  const run = async (client: NarrativeClient, ws: number, version: string, label: string, reads: string) =>
    client.waitForJob((await client.run({ app: 'test/diff-probe', version, ws: String(ws), inputs: { reads }, params: { label } })).id, { timeoutMs: 180_000 });

  before(async () => {
    h = await startHarness(['alice', 'carol']);
    dir = await mkdtemp(join(tmpdir(), 'narrative-job-diff-'));
    await chmod(dir, 0o711);
    const { token } = await h.admin.createUser('dave', 'developer', 'dave-password');
    await registerBuiltApp('assembly-stats', { url: h.server.url, home: dir, token });
    await registerBuiltApp('prodigal', { url: h.server.url, home: dir, token });
    const digestOf = async (app: string) => (await h.admin.app(app)).spec.container.image.digest;
    const dave = h.client(token);
    await dave.registerApp(probeSpec('1.0.0', await digestOf('genomics/assembly-stats')));
    await dave.registerApp(probeSpec('1.1.0', await digestOf('genomics/prodigal')));

    alice = h.users.alice!.client;
    const ws = (await alice.createWorkspace('diff-runs')).id;
    const reads = await uploadReads(alice, ws, '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n');
    first = await run(alice, ws, '1.0.0', 'first', reads);
    second = await run(alice, ws, '1.1.0', 'second', reads);
    failed = await run(alice, ws, '1.0.0', 'fail', reads);
    const carol = h.users.carol!.client;
    const carolWs = (await carol.createWorkspace('carol-private')).id;
    carols = await run(carol, carolWs, '1.0.0', 'first', await uploadReads(carol, carolWs, '@r\nA\n+\nI\n'));
    assert.deepEqual([first.state, second.state, failed.state, carols.state], ['completed', 'completed', 'failed', 'completed']);
  });
  after(async () => {
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names the differing version, image and Debian packages, the differing param, and each output file', async () => {
    const d = await alice.diffJobs(first.id, second.id);
    assert.deepEqual([d.a.id, d.b.id], [first.id, second.id]);
    assert.equal(d.same, false);
    assert.equal(d.app.same, true);
    assert.deepEqual([d.version.same, d.version.a, d.version.b], [false, '1.0.0', '1.1.0']);
    assert.equal(d.imageDigest.same, false);

    assert.equal(d.packages.known, true);
    assert.equal(d.packages.same, false);
    assert.deepEqual(d.packages.added.map((p) => p.name).filter((n) => n === 'prodigal'), ['prodigal']);
    assert.deepEqual(d.packages.removed.map((p) => p.name).filter((n) => n === 'seqkit'), ['seqkit']);
    const named = new Set([...d.packages.added, ...d.packages.removed, ...d.packages.changed].map((p) => p.name));
    assert.ok(!named.has('jq') && !named.has('dash'), 'packages both images hold at one version are not listed');
    assert.ok((d.packages.count.a ?? 0) > 20 && (d.packages.count.b ?? 0) > 20);

    assert.deepEqual(d.params, { same: false, items: [{ name: 'label', same: false, a: 'first', b: 'second' }] });
    assert.equal(d.inputs.same, true);
    assert.deepEqual(d.inputs.items.map((i) => [i.name, i.same, i.resolved.a === i.resolved.b]), [['reads', true, true]]);

    for (const c of [d.runtime, d.wrapper, d.node, d.exitCode, d.state]) assert.equal(c.same, true, JSON.stringify(c));
    assert.ok(d.runtime.a && d.runtime.a.name.length > 0, 'the launcher the wrapper reported');
    assert.equal(d.exitCode.a, 0);
    assert.equal(d.resources.same, true);
    assert.equal(d.resources.memoryMiB.a, 256);
    assert.ok(typeof d.durationSeconds.a === 'number' && d.durationSeconds.a >= 0);

    assert.equal(d.outputs.same, false);
    const files = Object.fromEntries(d.outputs.files.map((f) => [`${f.output}/${f.file}`, f]));
    assert.deepEqual(Object.keys(files), ['report/label.txt', 'report/lines.txt']);
    assert.equal(files['report/lines.txt']!.same, true, 'the count depends only on the reads');
    assert.equal(files['report/lines.txt']!.a!.sha256, files['report/lines.txt']!.b!.sha256);
    assert.equal(files['report/label.txt']!.same, false);
    assert.deepEqual([files['report/label.txt']!.a!.size, files['report/label.txt']!.b!.size], ['first\n'.length, 'second\n'.length]);
    assert.equal(files['report/label.txt']!.a!.ref, (first as Extract<Job, { state: 'completed' }>).outputs[0]);
  });

  it('answers with the document its OpenAPI schema describes', async () => {
    const doc = await h.anonymous.request<{ paths: Record<string, { get?: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> }> } }> }>('GET', '/openapi.json');
    const schema = doc.paths['/jobs/{id}/diff/{other}']!.get!.responses['200']!.content['application/json']!.schema;
    const d = await alice.diffJobs(first.id, second.id);
    assert.deepEqual(Object.keys(d).sort(), Object.keys(schema.properties).sort());
    assert.deepEqual([...schema.required].sort(), Object.keys(schema.properties).sort());
  });

  it('a run compared with itself is the same in every property', async () => {
    const d = await alice.diffJobs(first.id, first.id);
    assert.equal(d.same, true);
    const differing = Object.entries(d).filter(([, v]) => typeof v === 'object' && v !== null && 'same' in v && !(v as { same: boolean }).same);
    assert.deepEqual(differing, []);
    assert.ok(d.outputs.files.length === 2 && d.outputs.files.every((f) => f.same));
    assert.deepEqual([d.packages.added, d.packages.removed, d.packages.changed], [[], [], []]);
  });

  it('a run that did not complete still compares: its side has no output files', async () => {
    const d = await alice.diffJobs(first.id, failed.id);
    assert.deepEqual([d.state.a, d.state.b], ['completed', 'failed']);
    assert.deepEqual([d.exitCode.a, d.exitCode.b, d.exitCode.same], [0, 3, false]);
    assert.equal(d.imageDigest.same, true);
    assert.equal(d.packages.same, true);
    assert.deepEqual(d.outputs.files.map((f) => [f.file, f.same, f.a !== null, f.b]), [['label.txt', false, true, null], ['lines.txt', false, true, null]]);
  });

  it('needs read access to both runs: refused as GET /jobs/{id} refuses each', async () => {
    const carol = h.users.carol!.client;
    const status = (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number }) => e.status);
    const readOne = await status(carol.job(first.id));
    assert.equal(readOne, 403, 'a job in a private workspace of another user');
    assert.equal(await status(carol.diffJobs(first.id, second.id)), readOne);
    assert.equal(await status(carol.diffJobs(carols.id, first.id)), readOne, 'the second job is checked too');
    assert.equal(await status(alice.diffJobs(first.id, carols.id)), readOne);
    assert.equal(await status(alice.diffJobs(first.id, 999_999)), 404);
    assert.equal(await status(h.anonymous.diffJobs(first.id, second.id)), 401);
    assert.equal((await carol.diffJobs(carols.id, carols.id)).same, true);
  });

  it('narrative job diff prints the runs side by side, and the same document with --json', async () => {
    const target = { url: h.server.url, home: dir, token: h.users.alice!.token };
    const human = await runCli(['job', 'diff', String(first.id), String(second.id)], target);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^\s*property\s+a\s+b$/m);
    assert.match(human.stdout, /^≠\s+version\s+1\.0\.0\s+1\.1\.0$/m);
    assert.match(human.stdout, /^≠\s+param label\s+first\s+second$/m);
    assert.match(human.stdout, /^\s+input reads\s+\S+\s+\S+$/m);
    assert.match(human.stdout, /^≠\s+output report\/label\.txt\s/m);
    assert.match(human.stdout, /^\s+output report\/lines\.txt\s/m);
    assert.match(human.stdout, /^\s+\+ prodigal \S+$/m);
    assert.match(human.stdout, /^\s+- seqkit \S+$/m);
    const json = await runCli(['job', 'diff', String(first.id), String(second.id), '--json'], target);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout) as JobDiff, await alice.diffJobs(first.id, second.id));
    const same = await runCli(['job', 'diff', String(first.id), String(first.id)], target);
    assert.match(same.stdout, /The two runs are the same/);
    const refused = await runCli(['job', 'diff', String(first.id), String(carols.id)], target);
    assert.notEqual(refused.code, 0);
  });
});
