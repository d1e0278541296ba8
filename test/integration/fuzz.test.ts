import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NarrativeClient } from '@narrative/server/client';
import { execute, plan, shrink, slowestOperations, type Campaign } from '../support/fuzz/campaign.js';
import type { CheckContext } from '../support/fuzz/checks.js';
import { kernelOperations, labOperations } from '../support/fuzz/extra-operations.js';
import { errorOf, Findings } from '../support/fuzz/findings.js';
import { hostileString } from '../support/fuzz/hostile.js';
import { findMarker } from '../support/fuzz/leak-search.js';
import { walkOpenApi, type JsonSchema, type Operation } from '../support/fuzz/operations.js';
import { requestArbitrary, type FuzzContext } from '../support/fuzz/request-arbitrary.js';
import { Runner } from '../support/fuzz/runner.js';
import { createSandbox, type Sandbox } from '../support/fuzz/sandbox.js';
import { fuzzSettings, subSeed } from '../support/fuzz/seed.js';
import type { RequestSpec } from '../support/fuzz/request.js';
import { Sender } from '../support/fuzz/sender.js';
import { sweep } from '../support/fuzz/sweep.js';
import { FUZZ_LIMITS, ServerChild } from '../support/fuzz/server-child.js';
import { fixedCases, targetsOf, transportArbitrary, type TransportCase } from '../support/fuzz/transport-cases.js';
import { runTransport } from '../support/fuzz/transport-run.js';
import { buildWorld, type World } from '../support/fuzz/world.js';
import { underCI } from '../support/prerequisites.js';
import fc from 'fast-check';

/**
 * Property-based fuzzing of every endpoint (issue 11): requests generated from
 * the server's own OpenAPI document (plus the lab and kernel-proxy routes),
 * aimed at real resources, sent to a real `narrative serve` child (a crash is
 * a process that exits). Seeded: the seed is printed, and FUZZ_SEED=<seed>
 * replays the run. Knobs: FUZZ_RUNS (generated requests, default 10,000),
 * FUZZ_CONCURRENCY (in flight, default 6), FUZZ_TRACE=<file> (one line per
 * request), FUZZ_PROFILE=1 (where the time goes), FUZZ_KEEP=1 (keep the
 * sandbox), FUZZ_CLI=<main.js> (fuzz another build, e.g. an older commit's).
 */
const settings = fuzzSettings();
const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe(`fuzzing every endpoint (FUZZ_SEED=${settings.seed} FUZZ_RUNS=${settings.runs})`, () => {
  let box: Sandbox;
  let server: ServerChild;
  let world: World;
  let sender: Sender;
  let ops: Operation[];
  let fuzz: FuzzContext;
  let total = 0;

  const context = (key: string): CheckContext => ({ op: ops.find((o) => o.key === key)!, canary: box.canary, dataDir: box.data, publicValues: new Set(world.publicValues) });
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await work();
    process.stdout.write(`# fuzz: ${what} in ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
    return result;
  };

  before(async () => {
    process.stdout.write(`# fuzz: seed ${settings.seed} (FUZZ_SEED=${settings.seed} replays this run), ${settings.runs} generated requests, ${settings.concurrency} in flight\n`);
    box = await createSandbox();
    server = new ServerChild(box);
    await server.start();
    world = await buildWorld(server.url, server.adminToken, box);
    if (world.missing.length > 0) {
      // CI machines are set up for jobs and kernels: there a missing one is a broken machine, not a reason to fuzz less.
      if (underCI()) throw new Error(`fuzzing needs jobs and kernels here: ${world.missing.join('; ')}`);
      process.stdout.write(`# fuzz: NOT COVERED on this machine: ${world.missing.join('; ')}\n`);
    }
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as JsonSchema;
    ops = [...walkOpenApi(doc), ...labOperations(), ...(world.values.kernel!.length > 0 ? kernelOperations() : [])];
    assert.ok(ops.filter((o) => o.family === 'api').length >= 50, 'the OpenAPI document lists the API');
    sender = new Sender(() => server.url, world);
    fuzz = { world, marker: box.marker, canaryFile: box.canaryFile, limits: FUZZ_LIMITS };
  });

  after(async () => {
    sender?.close();
    await server?.stop();
    if (process.env.FUZZ_KEEP) process.stdout.write(`# fuzz: sandbox kept at ${box.root}\n`);
    else await box?.remove();
  });

  it('answers generated requests to every operation without crashing, 5xx, non-problem errors or letting bad credentials in', async () => {
    const findings = new Findings();
    const runner = new Runner(server, findings);
    const trace = process.env.FUZZ_TRACE ? createWriteStream(process.env.FUZZ_TRACE) : null;
    const campaign: Campaign = { server, sender, runner, findings, context, ...(trace ? { trace: (line: string) => trace.write(`${line}\n`) } : {}) };
    const before = sender.sent;
    const probe = async (spec: RequestSpec) => (await execute(campaign, { spec, origin: { op: spec.op, seed: -1, runs: 0, index: -1 } }))?.status;
    const edges = await timed('probing each operation for a request it accepts', () => sweep(ops, fuzz, settings.seed, probe));
    await timed(`${edges.length} edge requests`, () => runner.runAll(edges, settings.concurrency, async (item) => void (await execute(campaign, item))));
    const { items, arbitraries } = plan(ops, (op) => requestArbitrary(op, fuzz), settings.seed, settings.runs);
    await timed(`${items.length} generated requests to ${ops.length} operations`, () => runner.runAll(items, settings.concurrency, async (item) => void (await execute(campaign, item))));
    total += sender.sent - before;
    if (process.env.FUZZ_PROFILE) {
      const cpu = process.cpuUsage();
      process.stdout.write(`# fuzz: CPU so far: server ${await server.cpuSeconds()} s, fuzzer ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s\n${slowestOperations()}`);
    }
    await timed('shrinking', async () => {
      for (const f of findings.all.slice(0, 25)) if (f.origin && f.origin.seed >= 0) await shrink(campaign, arbitraries.get(f.origin.op)!, f);
    });
    await runner.settle();
    trace?.end();
    assert.equal(findings.all.length, 0, findings.report(settings.seed, settings.runs));
  });

  it('survives multipart and transport mutations: cut-off, unterminated, too many parts, oversized, bad boundaries, slow and vanishing clients', async () => {
    const findings = new Findings();
    const targets = targetsOf(world);
    const generated: TransportCase[] = [];
    const arb = transportArbitrary(targets, box.marker, hostileString(box.marker, box.canaryFile), FUZZ_LIMITS);
    fc.check(fc.property(arb, (c) => void generated.push(c)), { seed: subSeed(settings.seed, 'transport'), numRuns: Math.max(200, Math.ceil(settings.runs / 20)) });
    const fixed = fixedCases(targets, box.marker);
    const trace = process.env.FUZZ_TRACE ? createWriteStream(`${process.env.FUZZ_TRACE}.transport`) : null;
    const run = { server, runner: new Runner(server, findings), findings, world, canary: box.canary, trace };
    await timed(`${fixed.length} fixed and ${generated.length} generated transport cases`, () => runTransport(run, fixed, generated, settings.concurrency));
    total += fixed.length + generated.length;
    trace?.end();
    assert.equal(findings.all.length, 0, findings.report(settings.seed, settings.runs));
  });

  it('never exited, and sent at least 10,000 requests in the run', () => {
    process.stdout.write(`# fuzz: ${total} requests in all\n`);
    const causes = new Map<string, number>();
    for (const e of server.exits) {
      const cause = errorOf(e.output) || `exit ${e.code ?? e.signal}`;
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    }
    assert.deepEqual([...causes].map(([cause, n]) => `${n}× ${cause}`), [], 'the server process exited during the run (the crash findings above name the requests)');
    assert.deepEqual(server.escaped, [], 'errors escaped their handlers (serve logged them and went on; each would have crashed the process)');
    if (settings.runs >= 10_000) assert.ok(total >= 10_000, `only ${total} requests were sent`);
  });

  it('wrote no file outside its data directory', async () => {
    const found = await findMarker(box.marker, [
      { dir: box.root, depth: 30, except: [box.data] },
      { dir: dirname(box.root), depth: 2, except: [box.root] },
      { dir: '/', depth: 1 },
      { dir: REPO, depth: 3, except: [join(REPO, 'node_modules')] },
    ]);
    assert.deepEqual(found, [], `files named with the marker ${box.marker} outside the data directory ${box.data}`);
  });

  it('still saves and reads normally after the whole run', async () => {
    assert.ok(server.alive, 'the server is up');
    const alice = new NarrativeClient({ url: server.url, token: world.headers.alice.Authorization!.slice('Bearer '.length) });
    const form = new FormData();
    form.set('name', `${box.marker}-after`);
    form.set('type', 'Report.Report-1.0');
    form.set('data', JSON.stringify({ title: 'after the fuzz' }));
    form.set('file', new Blob(['still here\n']), 'after.txt');
    const saved = await alice.upload(world.values.ws![0]!, form);
    assert.deepEqual((await alice.getObject(saved.ref)).data, { title: 'after the fuzz' });
    assert.equal(await (await alice.downloadFile(saved.ref, 'after.txt')).text(), 'still here\n');

    const path = `/contents/${encodeURIComponent(world.values.contentsPath![0]!)}`;
    const notebook = { ...world.notebook, cells: [{ cell_type: 'markdown', id: 'after', metadata: {}, source: `after ${box.marker}` }] };
    await alice.request('PUT', path, { json: { type: 'notebook', format: 'json', content: notebook } });
    const read = await alice.request<{ content: { cells: { source: string }[] } }>('GET', path);
    assert.deepEqual(read.content.cells.map((c) => c.source), [`after ${box.marker}`]);
  });
});
