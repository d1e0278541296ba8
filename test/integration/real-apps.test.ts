import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { failureOf, outputsOf, verificationOf, type Job, type Narrative, type NarrativeClient, type ObjectVersion } from '@narrative/server/client';
import { saveAppCells, type AppCellFixture } from '../support/app-cells.js';
import { BUILT_APPS_CACHE, registerBuiltApp } from '../support/built-apps.js';
import { runCli, type CliTarget } from '../support/cli.js';
import type { AirGappedReport } from '../support/air-gapped-import.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APPS = join(ROOT, 'apps-catalog', 'apps');
const APP_DIRS = ['megahit', 'prodigal', 'assembly-stats', 'cobra-fba'] as const;
type AppDir = (typeof APP_DIRS)[number];
const AIR_GAPPED = fileURLToPath(new URL('../support/air-gapped-import.js', import.meta.url));

/** What `narrative app build` records beside the image it built. */
interface Built {
  digest: string;
}

/**
 * The seed's example with real tools from Debian, end to end through the CLI
 * and the API on a local Slurm with ch-run: images built from their recipes
 * (once per machine, in the tests' build cache), registered, and run on uploaded data, twice, then once
 * more (the assembly) from the offline archive on a fresh server with no
 * network.
 */
describe('real apps: reads → MEGAHIT → Prodigal → assembly stats, and FBA, on Slurm with ch-run', () => {
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let clusterEnv: Record<string, string>;
  let dir: string;
  let dave: NarrativeClient;
  let cli: CliTarget;
  let ws: string;
  const built = new Map<AppDir, Built>();
  let narrative: Narrative;
  /** The app cells of the narrative, as the pipeline ran them. */
  const cells: AppCellFixture[] = [];

  const waitFor = async (id: number): Promise<Job> => {
    const job = await dave.waitForJob(id, { timeoutMs: 10 * 60_000 });
    if (job.state !== 'completed') {
      const log = (await dave.jobLog(id)).lines.map((l) => l.text).join('\n');
      assert.fail(`job ${id} (${job.app}) ended ${job.state}: ${JSON.stringify(failureOf(job))}\n${log}`);
    }
    return job;
  };

  /** Runs an app as the lab's app cell `cell` does, recording the cell for the narrative's run-all. */
  const runApp = async (cell: string, app: string, inputs: Record<string, string>, params: Record<string, unknown> = {}): Promise<ObjectVersion> => {
    const job = await waitFor((await dave.run({ app, ws, inputs, params, narrative: { id: narrative.id, cell } })).id);
    cells.push({ id: cell, app, version: job.version, params, inputs, jobId: job.id });
    assert.equal(outputsOf(job).length, 1);
    return dave.getObject(outputsOf(job)[0]!);
  };

  before(async () => {
    const started = await startCluster();
    stopCluster = started.stop;
    clusterEnv = started.cluster.env;
    h = await startHarness([], slurmExecution(started.cluster));
    dir = await mkdtemp(join(tmpdir(), 'narrative-real-apps-'));
    await chmod(dir, 0o711);
    const { token } = await h.admin.createUser('dave', 'developer', 'dave-password');
    dave = h.client(token);
    cli = { url: h.server.url, home: dir, token };
    // Built with `narrative app build` once per machine into the cache the other tests share (verify-image
    // rebuilds two of them and checks the digests match); two at a time: each waits on downloads as much as on the cores.
    const queue = [...APP_DIRS];
    await Promise.all([0, 1].map(async () => {
      for (let app = queue.shift(); app; app = queue.shift()) {
        await registerBuiltApp(app, cli);
        built.set(app, JSON.parse(await readFile(join(BUILT_APPS_CACHE, app, 'image.json'), 'utf8')) as Built);
      }
    }));
    narrative = await dave.createNarrative('Pipeline');
    ws = String(narrative.wsid);
  });
  after(async () => {
    await h?.stop();
    await stopCluster?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('registers each app pinned to its image digest, with its recipe', async () => {
    for (const app of APP_DIRS) {
      const spec = JSON.parse(await readFile(join(APPS, app, 'app.json'), 'utf8')) as { id: string; version: string };
      const registered = await dave.app(spec.id, spec.version);
      assert.equal(registered.spec.container.image.digest, built.get(app)!.digest);
      assert.ok(registered.spec.container.recipe?.packages.length);
      const image = await dave.image(built.get(app)!.digest);
      assert.ok(image.forms.directory && image.forms.squashfs && image.forms['oci-archive']);
      assert.ok(Object.keys(image.packages).length > 50, 'the dpkg status of the image is read');
    }
  });

  it("runs the pipeline in a narrative's app cells, with typed outputs and complete provenance", async () => {
    const readsFile = join(dir, 'reads.fastq');
    await run(process.execPath, [join(ROOT, 'apps-catalog', 'test-data', 'make-reads.mjs'), readsFile, '--seed', '7']);
    const form = new FormData();
    form.set('name', 'reads');
    form.set('type', 'Genomics.Reads-1.0');
    form.set('data', JSON.stringify({ format: 'fastq', paired: false }));
    form.set('file', new Blob([await readFile(readsFile)]), 'reads.fastq');
    const reads = (await dave.upload(ws, form)).ref;
    const modelForm = new FormData();
    modelForm.set('name', 'textbook');
    modelForm.set('type', 'Metabolism.FBAModel-1.0');
    modelForm.set('data', JSON.stringify({ format: 'sbml' }));
    modelForm.set('file', new Blob([await readFile(join(APPS, 'cobra-fba', 'test-data', 'textbook.xml.gz'))]), 'textbook.xml.gz');
    const model = (await dave.upload(ws, modelForm)).ref;

    const assembly = await runApp('megahit', 'genomics/megahit', { reads });
    const first = {
      assembly,
      genome: await runApp('prodigal', 'genomics/prodigal', { assembly: assembly.ref }),
      report: await runApp('stats', 'genomics/assembly-stats', { assembly: assembly.ref }),
      solution: await runApp('fba', 'metabolism/cobra-fba', { model }),
    };

    assert.equal(first.assembly.type, 'Genomics.Assembly-1.0');
    const assemblyData = first.assembly.data as { contigCount: number; totalLength: number };
    assert.ok(assemblyData.contigCount >= 1 && assemblyData.totalLength > 10_000, JSON.stringify(assemblyData));
    assert.equal(first.genome.type, 'Genomics.Genome-1.0');
    assert.ok((first.genome.data as { geneCount: number }).geneCount > 5, JSON.stringify(first.genome.data));
    assert.deepEqual(first.genome.files.map((f) => f.name).sort(), ['genes.fna', 'genes.gff', 'proteins.faa']);
    assert.equal(first.report.type, 'Report.Report-1.0');
    assert.equal(first.solution.type, 'Metabolism.FBASolution-1.0');
    const solution = first.solution.data as { status: string; objectiveValue: number; fluxes: Record<string, number> };
    assert.equal(solution.status, 'optimal');
    assert.ok(Math.abs(solution.objectiveValue - 0.8739) < 1e-3, `objective ${solution.objectiveValue}`);
    assert.ok(Object.keys(solution.fluxes).length > 90);

    for (const [app, output, input] of [['megahit', first.assembly, reads], ['prodigal', first.genome, first.assembly.ref], ['cobra-fba', first.solution, model]] as const) {
      const p = output.provenance;
      assert.equal(p.kind, 'app');
      assert.equal(p.app?.imageDigest, built.get(app)!.digest, `${app} provenance names its image digest`);
      assert.ok(p.app?.version && p.app?.node && p.app?.jobId, JSON.stringify(p.app));
      assert.deepEqual(p.inputs, [{ given: input, resolved: input }]);
      assert.ok(p.app?.params && typeof p.app.params === 'object');
    }
    assert.equal((first.genome.data as { assembly: string }).assembly, first.assembly.ref, 'the genome cites the assembly it annotates');
  });

  it('runs the narrative again as one Slurm DAG, verified: every output the same bytes, no copy saved', async () => {
    assert.equal(cells.length, 4, 'the pipeline ran');
    await saveAppCells(dave, narrative, cells);
    let dag = await dave.runAll(narrative.id, { verify: true });
    const byCell = (cell: string) => dag.steps.find((s) => s.cell === cell)!;
    assert.deepEqual(dag.steps.map((s) => s.cell), ['megahit', 'prodigal', 'stats', 'fba']);
    assert.deepEqual([byCell('prodigal').after, byCell('stats').after, byCell('fba').after], [[byCell('megahit').job.id], [byCell('megahit').job.id], []], 'prodigal and the stats wait for MEGAHIT');
    // Slurm itself holds them: read back while MEGAHIT assembles.
    const slurmId = (cell: string) => { const job = byCell(cell).job; return 'schedulerId' in job ? job.schedulerId : null; };
    const { stdout } = await run('squeue', ['--noheader', `--jobs=${slurmId('prodigal')},${slurmId('stats')}`, '--format=%i|%E'], { env: { ...process.env, ...clusterEnv } });
    for (const cell of ['prodigal', 'stats']) assert.match(stdout, new RegExp(`^${slurmId(cell)}\\|afterok:${slurmId('megahit')}`, 'm'), stdout);
    const deadline = Date.now() + 10 * 60_000;
    while (dag.state === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      dag = await dave.narrativeRun(narrative.id, dag.id);
    }
    assert.equal(dag.state, 'completed', JSON.stringify(dag.steps.map((s) => [s.cell, s.job.state, failureOf(s.job)])));
    for (const step of dag.steps) {
      const cell = cells.find((c) => c.id === step.cell)!;
      const original = await dave.job(cell.jobId!);
      const report = verificationOf(step.job);
      assert.equal(report?.identical, true, `${step.cell}: a second run gives identical output digests: ${JSON.stringify(report)}`);
      assert.ok(report.files.total >= 1, `${step.cell}: ${JSON.stringify(report.files)}`);
      assert.deepEqual(outputsOf(step.job), outputsOf(original), `${step.cell}: the re-run's output is the original version`);
      assert.ok((await dave.getObject(outputsOf(original)[0]!)).verifiedBy?.some((v) => v.jobId === step.job.id), `${step.cell}: the version records its verification`);
    }
  });

  it('re-runs the narrative from its offline archive air-gapped: imported into a fresh server with no network, every step verified identical to the run the archive carried', async () => {
    // The assembly pipeline alone: FBA's Python image would only make the archive slower to move.
    await saveAppCells(dave, narrative, cells.filter((c) => c.id !== 'fba'));
    const archive = join(dir, 'pipeline.tar');
    let report: AirGappedReport;
    const exported = await runCli(['export', String(narrative.id), '--format', 'archive', '--out', archive], { ...cli, timeoutMs: 10 * 60_000 });
    assert.equal(exported.code, 0, exported.stderr);
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('NARRATIVE_') || name.startsWith('SLURM')) delete env[name];
    // A server on this machine's own network address: reachable from here, and it must not be from inside.
    const outside = createServer((_req, res) => res.end('outside')).listen(0, '0.0.0.0');
    await once(outside, 'listening');
    const address = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    assert.ok(address, 'this machine has a network address to hide from the air-gapped server');
    const outsideUrl = `http://${address}:${(outside.address() as AddressInfo).port}/`;
    assert.equal(await (await fetch(outsideUrl)).text(), 'outside');
    try {
      const { stdout } = await run('unshare', ['--net', '--', process.execPath, AIR_GAPPED, archive, outsideUrl], { env, timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 });
      report = JSON.parse(stdout) as AirGappedReport;
    } finally {
      outside.close();
    }
    assert.deepEqual(report.interfaces, ['lo'], 'no network but loopback');
    assert.match(report.outside, /^refused/, `a server on the network is out of reach: ${report.outside}`);
    const dag = report.runAll.run;
    const verdicts = JSON.stringify(dag?.steps.map((s) => ({ cell: s.cell, state: s.job.state, verification: verificationOf(s.job) })));
    assert.equal(report.runAll.code, 0, `run-all --verify --wait: ${report.runAll.stderr} ${verdicts}`);
    assert.ok(dag, 'run-all printed its run');
    assert.deepEqual(dag.steps.map((s) => s.cell), ['megahit', 'prodigal', 'stats']);
    for (const step of dag.steps) {
      const verification = verificationOf(step.job);
      assert.equal(step.job.state, 'completed', `${step.cell}: ${JSON.stringify(failureOf(step.job))}`);
      assert.equal(verification?.identical, true, `${step.cell}: ${JSON.stringify(verification)}`);
      assert.equal(verification.original, report.restoredJobs[step.cell!], `${step.cell} is compared with the run the archive carried`);
    }
  });
});
