import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidJobFile } from './check.js';
import { checkJobSpec, readJobSpec, writeArrayTasks, writeJobSpec, type JobSpec } from './job-spec.js';
import { filePath, jobFolders, linkArrayTask, taskJobDir, TASK_INDEX_VARIABLE } from './layout.js';
import { appendLogLine, openLog, readLog } from './log.js';
import { declaredOutputs, readDeclaration } from './outputs.js';
import { hasResult, readResult, writeResult, type JobResult } from './result.js';
import { recordWrapper, wrapperAlive } from './wrapper-record.js';

const SPEC: JobSpec = {
  jobId: '7', runtime: 'charliecloud', image: { digest: `sha256:${'a'.repeat(64)}`, format: 'directory', location: '/images/a' }, argv: ['/app/run'],
  params: { n: 1 }, inputs: [{ name: 'reads', ref: '1/2/3', type: 'Genomics.Reads-1.0', data: {}, files: [{ name: 'r.fastq', path: '/blobs/ab', sha256: 'ab' }] }],
  env: { NARRATIVE_JOB_ID: '7' }, network: false, gpus: 0, mpi: false, cpus: 1, memoryMiB: 64, timeLimitSeconds: 60, runAs: null,
};
const RESULT: JobResult = {
  jobId: '7', outcome: 'exited', exitCode: 0, signal: null, detail: null, startedAt: '2025-01-01T00:00:00.000Z', endedAt: '2025-01-01T00:00:01.000Z',
  node: 'n1', runtime: { name: 'charliecloud', version: '0.31' }, injections: [], outputs: [{ path: 'a.txt', sha256: 'cd', size: 2 }], declared: { outputs: [{ name: 'stats' }] },
};

describe('the job directory', () => {
  let root: string;
  let count = 0;
  const jobDir = async () => {
    const dir = join(root, String(++count));
    await mkdir(dir);
    return dir;
  };
  before(async () => (root = await mkdtemp(join(tmpdir(), 'narrative-job-dir-'))));
  after(() => rm(root, { recursive: true, force: true }));

  it('writes job.json whole and private, and reads it back checked', async () => {
    const dir = await jobDir();
    await writeJobSpec(dir, SPEC);
    assert.deepEqual(await readJobSpec(dir), SPEC);
    assert.equal((await stat(filePath(dir, 'spec'))).mode & 0o777, 0o600);
    await assert.rejects(writeJobSpec(dir, { ...SPEC, runtime: 'kubernetes' } as unknown as JobSpec), /job\.json: \/runtime: expected "charliecloud" or "docker" or /);
  });

  it('reads a job.json from before limits were enforced, and refuses to run it with a reason', async () => {
    const dir = await jobDir();
    const { cpus: _c, memoryMiB: _m, ...older } = SPEC;
    await writeFile(filePath(dir, 'spec'), JSON.stringify(older));
    const read = await readJobSpec(dir);
    assert.equal(read.memoryMiB, undefined);
    assert.throws(() => checkJobSpec(read), /names no cpus or memoryMiB/);
    assert.equal(checkJobSpec(SPEC).memoryMiB, 64);
  });

  it('says which file is malformed, and where, rather than crashing', async () => {
    const dir = await jobDir();
    await writeFile(filePath(dir, 'spec'), '{"jobId": 7');
    await assert.rejects(readJobSpec(dir), (error: Error) => error instanceof InvalidJobFile && /^job\.json: not valid JSON/.test(error.message));
    await writeFile(filePath(dir, 'result'), JSON.stringify({ ...RESULT, exitCode: 'zero' }));
    await assert.rejects(readResult(dir), { name: 'InvalidJobFile', message: 'result.json: /exitCode: expected integer or null' });
    await writeFile(filePath(dir, 'result'), JSON.stringify({ ...RESULT, outcome: 'vanished' }));
    await assert.rejects(readResult(dir), /result\.json: \/outcome: expected one of exited, timed-out, cancelled, out-of-memory, launcher-error, not "vanished"/);
    await writeFile(filePath(dir, 'result'), JSON.stringify({ ...RESULT, outcome: 'launcher-error', exitCode: null, detail: null }));
    await assert.rejects(readResult(dir), /result\.json: \/detail: expected string/, 'a launcher error says why');
  });

  it('has no result until the wrapper writes one; one written by the previous code reads the same', async () => {
    const dir = await jobDir();
    assert.equal(await readResult(dir), null);
    assert.equal(await hasResult(dir), false);
    // The previous wrapper's JSON.stringify of the same shape, with no `memory`.
    await writeFile(filePath(dir, 'result'), JSON.stringify(RESULT, null, 2));
    assert.deepEqual(await readResult(dir), RESULT);
    const oom: JobResult = { ...RESULT, outcome: 'out-of-memory', exitCode: 137, memory: { limitMiB: 64, peakMiB: 64, enforcedBy: 'cgroup-v1' } };
    await writeResult(dir, oom);
    assert.deepEqual(await readResult(dir), oom, 'one from before usage was measured');
    const measured: JobResult = { ...oom, usage: { cpuSeconds: 0.42, peakMemoryMiB: 64, wallSeconds: 1.5 } };
    await writeResult(dir, measured);
    assert.deepEqual(await readResult(dir), measured);
    await assert.rejects(writeResult(dir, { ...oom, usage: { cpuSeconds: -1, peakMemoryMiB: null, wallSeconds: 1 } }), /result\.json: \/usage\/cpuSeconds: /);
    assert.equal(await hasResult(dir), true);
  });

  it("checks the app's declaration of its outputs: kept as written, with what is wrong", async () => {
    const { outDir } = jobFolders(await jobDir());
    await mkdir(outDir);
    assert.deepEqual(await readDeclaration(outDir), { declared: null, problems: [] });
    await writeFile(join(outDir, 'outputs.json'), '{"outputs": [{"name": 3}]}');
    assert.deepEqual(await readDeclaration(outDir), { declared: { outputs: [{ name: 3 }] }, problems: ['/out/outputs.json: /outputs/0/name: expected string'] });
    await writeFile(join(outDir, 'outputs.json'), 'not json');
    assert.match((await readDeclaration(outDir)).problems[0]!, /^\/out\/outputs\.json: not valid JSON/);
    assert.throws(() => declaredOutputs(null), /\/out\/outputs\.json: the app wrote none/);
    assert.deepEqual(declaredOutputs({ outputs: [{ name: 'stats', files: ['a.txt'] }] }), { outputs: [{ name: 'stats', files: ['a.txt'] }] });
  });

  it('appends log lines and reads back only complete ones, numbered', async () => {
    const dir = await jobDir();
    assert.deepEqual(await readLog(dir), { lines: [], next: 0 });
    const log = openLog(dir);
    log.line('stdout', 'one');
    log.line('stderr', 'two');
    await log.close();
    log.line('system', 'after close: dropped');
    await appendLogLine(dir, 'system', 'three');
    const read = await readLog(dir, 1);
    assert.deepEqual(read.lines.map((l) => [l.n, l.stream, l.text]), [[2, 'stderr', 'two'], [3, 'system', 'three']]);
    assert.equal(read.next, 3);
  });

  it("keeps the wrapper's record of itself, and finds an array task's own directory through its link", async () => {
    const dir = await jobDir();
    assert.equal(await wrapperAlive(dir), false);
    await recordWrapper(dir);
    assert.equal(await wrapperAlive(dir), true, 'this process is the wrapper that recorded itself');
    await writeFile(filePath(dir, 'wrapper'), '{"pid": "x"}');
    assert.equal(await wrapperAlive(dir), false);

    const arrayDir = join(root, 'array-9');
    await mkdir(arrayDir);
    await linkArrayTask(arrayDir, 0, dir);
    assert.equal(taskJobDir(arrayDir, { [TASK_INDEX_VARIABLE]: '0' }), dir);
    assert.equal(taskJobDir(dir, {}), dir);
  });

  it("writes an array's tasks in two files, and each task makes its own job directory and job.json from them as it starts", async () => {
    const arrayDir = join(root, 'array-20');
    await mkdir(arrayDir);
    // More tasks than one write holds, with specs of different lengths (and a character beyond ASCII) so each line's offset counts.
    const specs = Array.from({ length: 1203 }, (_, i) => ({ ...SPEC, jobId: String(20 + i), params: { n: i, text: 'é'.repeat(i % 7) } }));
    const jobDirs = specs.map((spec) => join(root, spec.jobId));
    await writeArrayTasks(arrayDir, specs.length, (i) => ({ jobDir: jobDirs[i]!, spec: specs[i]! }));
    assert.deepEqual((await readdir(arrayDir)).sort(), ['tasks.index', 'tasks.jsonl'], 'no job directory, no link: a few files however many tasks');
    await assert.rejects(stat(jobDirs[0]!), /ENOENT/);
    for (const i of [0, 1, 499, 500, 1202]) {
      assert.equal(taskJobDir(arrayDir, { [TASK_INDEX_VARIABLE]: String(i) }), jobDirs[i]);
      assert.deepEqual(await readJobSpec(jobDirs[i]!), specs[i], `task ${i}`);
      assert.equal((await stat(filePath(jobDirs[i]!, 'spec'))).mode & 0o777, 0o600);
    }
    assert.deepEqual(await readdir(jobDirs[500]!), ['job.json']);
    // A task that runs again (requeued) finds its directory and writes the same job.json.
    assert.equal(taskJobDir(arrayDir, { [TASK_INDEX_VARIABLE]: '500' }), jobDirs[500]);
    assert.deepEqual(await readJobSpec(jobDirs[500]!), specs[500]);
    assert.throws(() => taskJobDir(arrayDir, { [TASK_INDEX_VARIABLE]: '1203' }), /names no task "1203"/);
    assert.throws(() => taskJobDir(arrayDir, { [TASK_INDEX_VARIABLE]: '-1' }), /names no task "-1"/);
    await mkdir(join(root, 'array-21'));
    await assert.rejects(writeArrayTasks(join(root, 'array-21'), 1, () => ({ jobDir: jobDirs[0]!, spec: { ...SPEC, runtime: 'kubernetes' } as unknown as JobSpec })), /job\.json: \/runtime/);
  });
});
