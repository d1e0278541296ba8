import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { failureOf, outputsOf, type Job, type NarrativeClient, type ObjectVersion } from '@narrative/server/client';
import { runCli, type CliTarget } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';
import { slurmExecution, startCluster } from '../support/slurm-harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APPS = join(ROOT, 'apps-catalog', 'apps');
const APP_DIRS = ['megahit', 'prodigal', 'assembly-stats', 'cobra-fba'] as const;
type AppDir = (typeof APP_DIRS)[number];
const BUILD_TIMEOUT_MS = 15 * 60_000;

interface Built {
  digest: string;
  archive: string;
}

/**
 * The seed's example with real tools from Debian, end to end through the CLI
 * and the API on a local Slurm with ch-run: images built reproducibly from
 * their recipes, registered, and run on uploaded data, twice.
 */
describe('real apps: reads → MEGAHIT → Prodigal → assembly stats, and FBA, on Slurm with ch-run', () => {
  let h: Harness;
  let stopCluster: () => Promise<void>;
  let dir: string;
  let dave: NarrativeClient;
  let cli: CliTarget;
  let ws: string;
  const built = new Map<AppDir, Built>();

  const build = async (app: AppDir, out: string): Promise<Built> => {
    const r = await runCli(['app', 'build', join(APPS, app), '--out', out, '--json'], { ...cli, timeoutMs: BUILD_TIMEOUT_MS });
    assert.equal(r.code, 0, `building ${app} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Built;
  };

  const waitFor = async (id: number): Promise<Job> => {
    const job = await dave.waitForJob(id, { timeoutMs: 10 * 60_000 });
    if (job.state !== 'completed') {
      const log = (await dave.jobLog(id)).lines.map((l) => l.text).join('\n');
      assert.fail(`job ${id} (${job.app}) ended ${job.state}: ${JSON.stringify(failureOf(job))}\n${log}`);
    }
    return job;
  };

  const runApp = async (app: string, inputs: Record<string, string>, params: Record<string, unknown> = {}): Promise<ObjectVersion> => {
    const job = await waitFor((await dave.run({ app, ws, inputs, params })).id);
    assert.equal(outputsOf(job).length, 1);
    return dave.getObject(outputsOf(job)[0]!);
  };

  before(async () => {
    const started = await startCluster();
    stopCluster = started.stop;
    h = await startHarness([], slurmExecution(started.cluster));
    dir = await mkdtemp(join(tmpdir(), 'narrative-real-apps-'));
    await chmod(dir, 0o711);
    const { token } = await h.admin.createUser('dave', 'developer', 'dave-password');
    dave = h.client(token);
    cli = { url: h.server.url, home: dir, token };
    // Two builds at a time: each waits on downloads as much as on the two cores.
    const queue = [...APP_DIRS];
    await Promise.all([0, 1].map(async () => {
      for (let app = queue.shift(); app; app = queue.shift()) built.set(app, await build(app, join(dir, app)));
    }));
    for (const app of APP_DIRS) {
      const r = await runCli(['app', 'register', join(APPS, app), '--build', join(dir, app), '--json'], { ...cli, timeoutMs: 5 * 60_000 });
      assert.equal(r.code, 0, `registering ${app} failed: ${r.stderr}${r.stdout}`);
    }
    ws = String((await dave.createWorkspace('pipeline')).id);
  });
  after(async () => {
    await h?.stop();
    await stopCluster?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds an app image twice with the same digest', async () => {
    const again = await build('prodigal', join(dir, 'prodigal-again'));
    assert.equal(again.digest, built.get('prodigal')!.digest);
    assert.deepEqual(await readFile(again.archive), await readFile(built.get('prodigal')!.archive));
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

  it('runs the pipeline with typed outputs, complete provenance and identical digests on a second run', async () => {
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

    const pipeline = async () => {
      const assembly = await runApp('genomics/megahit', { reads });
      const genome = await runApp('genomics/prodigal', { assembly: assembly.ref });
      const report = await runApp('genomics/assembly-stats', { assembly: assembly.ref });
      const solution = await runApp('metabolism/cobra-fba', { model });
      return { assembly, genome, report, solution };
    };
    const first = await pipeline();

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

    const second = await pipeline();
    for (const key of ['assembly', 'genome', 'report', 'solution'] as const) {
      assert.notEqual(second[key].ref, first[key].ref);
      assert.deepEqual(second[key].files, first[key].files, `${key}: a second run gives identical output digests`);
    }
    assert.deepEqual(second.solution.data, first.solution.data, 'the same fluxes again');
  });
});
