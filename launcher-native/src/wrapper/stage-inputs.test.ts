import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkJobSpec, type JobSpec, type UpstreamInput } from '../job-dir/job-spec.js';
import { jobFolders } from '../job-dir/layout.js';
import { writeResult, type JobResult } from '../job-dir/result.js';
import { writeSaved, type SavedOutputs } from '../job-dir/saved.js';
import { prepareJobDir } from './prepare.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const SPEC: JobSpec = {
  jobId: 'c', runtime: 'charliecloud', image: { digest: `sha256:${'a'.repeat(64)}`, format: 'directory', location: '/images/a' }, argv: ['/app/run'],
  params: {}, inputs: [], env: {}, network: false, gpus: 0, mpi: false, cpus: 1, memoryMiB: 64, timeLimitSeconds: 60, runAs: null,
};

/** The result of an upstream job whose app made out/contigs/contigs.fa and declared it as `assembly`. */
const upstreamResult = (jobId: string, changes: Partial<JobResult> = {}): JobResult => ({
  jobId, outcome: 'exited', exitCode: 0, signal: null, detail: null, startedAt: '2025-01-01T00:00:00.000Z', endedAt: '2025-01-01T00:00:01.000Z',
  node: 'n1', runtime: { name: 'charliecloud', version: '0.31' }, injections: [],
  outputs: [{ path: 'contigs/contigs.fa', sha256: sha256('>c1\nACGT\n'), size: 9 }, { path: 'log.txt', sha256: sha256('log\n'), size: 4 }],
  declared: { outputs: [{ name: 'assembly', data: { contigs: 1 }, files: ['contigs/contigs.fa'] }] },
  ...changes,
} as JobResult);

describe('staging an input from an upstream job', () => {
  let root: string;
  let count = 0;
  before(async () => (root = await mkdtemp(join(tmpdir(), 'narrative-stage-'))));
  // /in is made read-only: writable again first, so a run that is not root can remove it.
  after(async () => {
    execFileSync('chmod', ['-R', 'u+rwX', root]);
    await rm(root, { recursive: true, force: true });
  });

  /** A finished upstream job directory: its out/ files, its result, and what the server saved of it (as 5/6/1, its data as declared). */
  async function upstream(changes: Partial<JobResult> = {}, saved: SavedOutputs | null = null): Promise<string> {
    const dir = join(root, `up-${++count}`);
    const { outDir } = jobFolders(dir);
    await mkdir(join(outDir, 'contigs'), { recursive: true });
    await writeFile(join(outDir, 'contigs', 'contigs.fa'), '>c1\nACGT\n');
    await writeFile(join(outDir, 'log.txt'), 'log\n');
    const result = upstreamResult(`up-${count}`, changes);
    await writeResult(dir, result);
    const declared = (result.declared as { outputs: { name: string; data?: unknown }[] }).outputs;
    await writeSaved(dir, saved ?? { outputs: Object.fromEntries(declared.map((o) => [o.name, { ref: '5/6/1', data: o.data ?? {} }])) });
    return dir;
  }

  async function prepare(inputs: JobSpec['inputs']) {
    const dir = join(root, `down-${++count}`);
    await mkdir(dir);
    return { dir, prepared: await prepareJobDir(dir, checkJobSpec({ ...SPEC, inputs })) };
  }

  const fromInput = (jobDir: string, extra: Partial<UpstreamInput> = {}): UpstreamInput => ({ name: 'assembly', type: 'Genomics.Assembly-1.0', from: { jobDir, output: 'assembly' }, ...extra });

  it('copies the files the upstream app declared for the output, describes them in inputs.json, and records what it used', async () => {
    const up = await upstream();
    const { dir, prepared } = await prepare([fromInput(up)]);
    const { inDir } = jobFolders(dir);
    assert.equal(await readFile(join(inDir, 'assembly', 'contigs.fa'), 'utf8'), '>c1\nACGT\n');
    assert.equal((await stat(join(inDir, 'assembly', 'contigs.fa'))).mode & 0o777, 0o444);
    assert.deepEqual(JSON.parse(await readFile(join(inDir, 'inputs.json'), 'utf8')), {
      assembly: { ref: '5/6/1', from: { job: 'up-1', output: 'assembly' }, type: 'Genomics.Assembly-1.0', data: { contigs: 1 }, files: ['contigs.fa'] },
    });
    assert.deepEqual(prepared.upstream, [{ input: 'assembly', jobDir: up, jobId: 'up-1', output: 'assembly', files: [{ path: 'contigs/contigs.fa', sha256: sha256('>c1\nACGT\n') }] }]);
  });

  it('stages saved objects beside it as before, recording nothing for them', async () => {
    const blob = join(root, 'blob');
    await writeFile(blob, 'ACGT\n');
    const { dir, prepared } = await prepare([{ name: 'reads', ref: '1/2/3', type: 'Genomics.Reads-1.0', data: {}, files: [{ name: 'r.fastq', path: blob, sha256: sha256('ACGT\n') }] }, fromInput(await upstream())]);
    const described = JSON.parse(await readFile(join(jobFolders(dir).inDir, 'inputs.json'), 'utf8')) as Record<string, { ref: string | null }>;
    assert.deepEqual(Object.fromEntries(Object.entries(described).map(([name, d]) => [name, d.ref])), { reads: '1/2/3', assembly: '5/6/1' });
    assert.deepEqual(prepared.upstream.map((u) => u.input), ['assembly']);
  });

  it('takes the declared type when job.json gives none, and refuses one that differs from what job.json expects', async () => {
    const typed = await upstream({ declared: { outputs: [{ name: 'assembly', type: 'Genomics.Assembly-1.0', files: ['contigs/contigs.fa'] }] } });
    const { dir } = await prepare([fromInput(typed, { type: undefined })]);
    const described = JSON.parse(await readFile(join(jobFolders(dir).inDir, 'inputs.json'), 'utf8')) as Record<string, { type: string; data: unknown }>;
    assert.deepEqual([described.assembly?.type, described.assembly?.data], ['Genomics.Assembly-1.0', {}]);
    await assert.rejects(prepare([fromInput(typed, { type: 'Genomics.Reads-1.0' })]), /is declared as Genomics.Assembly-1.0, not Genomics.Reads-1.0/);
    await assert.rejects(prepare([fromInput(await upstream(), { type: undefined })]), /neither job.json nor the upstream declaration gives its type/);
  });

  it('refuses an upstream job that has not completed, and an output it did not declare', async () => {
    await assert.rejects(prepare([fromInput(join(root, 'never-ran'))]), /has not finished \(it has no result\)/);
    await assert.rejects(prepare([fromInput(await upstream({ exitCode: 3 }))]), /upstream job up-\d+ did not complete: its app exited with code 3/);
    await assert.rejects(prepare([fromInput(await upstream({ outcome: 'timed-out' }))]), /did not complete: it ended timed-out/);
    await assert.rejects(prepare([fromInput(await upstream({ detail: '/out/x is not a regular file' }))]), /did not complete: its outputs are invalid/);
    const other = await upstream();
    await assert.rejects(prepare([fromInput(other, { from: { jobDir: other, output: 'genome' } })]), /declares the output genome nowhere/);
    const unlisted = await upstream({ declared: { outputs: [{ name: 'assembly', files: ['../../etc/passwd'] }] } });
    await assert.rejects(prepare([fromInput(unlisted)]), /names \.\.\/\.\.\/etc\/passwd, which is not among the files of its out\//);
  });

  it("gives the app the reference and data the server saved, and refuses an upstream whose outputs it refused", async () => {
    const stored = await upstream({}, { outputs: { assembly: { ref: '9/9/2', data: { contigs: 1, defaulted: true } } } });
    const { dir } = await prepare([fromInput(stored)]);
    const described = JSON.parse(await readFile(join(jobFolders(dir).inDir, 'inputs.json'), 'utf8')) as Record<string, { ref: string; data: unknown }>;
    assert.deepEqual([described.assembly?.ref, described.assembly?.data], ['9/9/2', { contigs: 1, defaulted: true }]);
    await assert.rejects(prepare([fromInput(await upstream({}, { refused: 'output assembly is not a Genomics.Assembly-1.0' }))]), /the server saved no outputs of upstream job up-\d+: output assembly is not/);
    await assert.rejects(prepare([fromInput(await upstream({}, { outputs: {} }))]), /the server saved no output assembly of upstream job/);
  });

  it('refuses a file changed, or swapped for a link, since the upstream job hashed it', async () => {
    const changed = await upstream();
    await writeFile(join(jobFolders(changed).outDir, 'contigs', 'contigs.fa'), '>c1\nTTTT\n');
    await assert.rejects(prepare([fromInput(changed)]), /file contigs\/contigs.fa: sha256 is [0-9a-f]{64}, expected /);
    const linked = await upstream();
    const target = join(jobFolders(linked).outDir, 'contigs', 'contigs.fa');
    await rm(target);
    await symlink(join(root, 'blob'), target);
    await assert.rejects(prepare([fromInput(linked)]), /contigs\/contigs.fa is no longer a regular file/);
  });

  it('holds the spec to one kind of input: files or an upstream job, by an absolute path', () => {
    assert.throws(() => checkJobSpec({ ...SPEC, inputs: [fromInput('relative/dir')] }), /input assembly: the upstream job directory must be an absolute path/);
    const both = { ...fromInput('/jobs/1'), ref: '1/2/3', data: {}, files: [] } as unknown as UpstreamInput;
    assert.throws(() => checkJobSpec({ ...SPEC, inputs: [both] }), /names both files and an upstream job/);
  });
});
