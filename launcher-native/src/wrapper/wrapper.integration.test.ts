import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBusyboxImage } from '../images/busybox-image.js';
import { buildSquashfsImage } from '../images/squashfs-image.js';
import { readJobSpec, type JobSpec } from '../job-dir/job-spec.js';
import { markedPids, newMarker, readJobOutcome, runWrapper, TEST_APP, testJobSpec, WRAPPER, writeTestJob } from '../local/test-job.js';
import { ownCgroupDir } from './limits/cgroup-v1.js';

/** The cgroups (memory, then cpu, then cpuacct where mounted apart) the wrapper made for the job in jobDir: named after its job id, under ours. */
async function jobCgroups(jobDir: string): Promise<string[]> {
  const { jobId } = await readJobSpec(jobDir);
  const host = [readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8')] as const;
  const parents = new Set((['memory', 'cpu', 'cpuacct'] as const).map((controller) => ownCgroupDir(controller, ...host)));
  return [...parents].flatMap((parent) => (parent ? readdirSync(parent).filter((e) => e.startsWith(`narrative-${jobId}-`)).map((e) => join(parent, e)) : []));
}

/** `busybox time` in the log: `user 0m 0.98s`, `sys 0m 0.01s`; user + sys in seconds. */
function timedCpu(text: string): number {
  const seconds = (name: string) => {
    const m = new RegExp(`^${name}\\s+(\\d+)m\\s*([\\d.]+)s$`, 'm').exec(text);
    assert.ok(m, `no ${name} time in the log: ${text}`);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  return seconds('user') + seconds('sys');
}

describe('the job wrapper with Charliecloud', () => {
  let root: string;
  let image: { location: string; digest: string };
  let readsPath: string;
  let server: Server;
  let port: number;
  let jobs = 0;
  const reads = '@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\nIIII\n';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'narrative-wrapper-'));
    await chmod(root, 0o711);
    image = await buildBusyboxImage(join(root, 'image'), { 'run.sh': TEST_APP });
    readsPath = join(root, 'blob-reads');
    await writeFile(readsPath, reads, { mode: 0o644 });
    server = createServer((_req, res) => res.end('hello from the host'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.close();
    await rm(root, { recursive: true, force: true });
  });

  async function job(params: Record<string, unknown>, overrides: Partial<JobSpec> = {}) {
    ++jobs;
    const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, user: 'nobody' } : null;
    const spec = testJobSpec({ jobId: `t${jobs}`, runtime: 'charliecloud', image: { digest: image.digest, format: 'directory', location: image.location }, params, readsPath, reads, runAs }, overrides);
    return writeTestJob(join(root, `job-${jobs}`), spec);
  }

  it('runs the app unprivileged on /in and /out and reports hashed outputs', async () => {
    const { code, result, log, text } = await runWrapper(await job({ mode: 'ok' }));
    assert.equal(code, 0);
    assert.equal(result.outcome, 'exited');
    assert.equal(result.exitCode, 0);
    assert.match(text, /^uid [1-9][0-9]* mode ok$/m, 'not root');
    assert.ok(log.every((l) => ['stdout', 'stderr', 'system'].includes(l.stream)));
    const lines = result.outputs.find((o) => o.path === 'lines.txt');
    assert.deepEqual(lines, { path: 'lines.txt', sha256: createHash('sha256').update('8\n').digest('hex'), size: 2 });
    assert.deepEqual((result.declared as { outputs: { name: string }[] }).outputs.map((o) => o.name), ['stats']);
    assert.equal(result.runtime.name, 'charliecloud');
    assert.match(result.runtime.version, /\d+\.\d+/);
    assert.match(result.wrapper?.version ?? '', /^\d+\.\d+\.\d+/, 'the wrapper says its version');
  });

  it('reports a non-zero exit with its stderr in the log', async () => {
    const { code, result, log } = await runWrapper(await job({ mode: 'fail' }));
    assert.deepEqual([code, result.outcome, result.exitCode], [3, 'exited', 3]);
    assert.ok(log.some((l) => l.stream === 'stderr' && l.text === 'something broke'));
  });

  it('gives no network unless the spec asks for it', async () => {
    const isolated = await runWrapper(await job({ mode: 'connect', port }));
    assert.doesNotMatch(isolated.text, /hello from the host/);
    assert.match(isolated.text, /unreachable/i);
    const networked = await runWrapper(await job({ mode: 'connect', port }, { network: true }));
    assert.match(networked.text, /hello from the host/);
  });

  it('keeps the app inside /out: /in and the image are read-only, /tmp is private', async () => {
    const { result, text } = await runWrapper(await job({ mode: 'escape' }));
    assert.equal(result.exitCode, 0);
    assert.doesNotMatch(text, /wrote \/in|wrote \/etc/);
    assert.match(text, /wrote private tmp/);
    await assert.rejects(readFile('/tmp/narrative-escape-test'), 'the host /tmp is untouched');
  });

  it('passes only the job environment, nothing of the host', async () => {
    const { text } = await runWrapper(await job({ mode: 'env' }), { NARRATIVE_TOKEN: 'nrt_secret', AWS_SECRET: 'x' });
    assert.match(text, /^THREADS=2$/m);
    assert.doesNotMatch(text, /nrt_secret|AWS_SECRET/);
  });

  it('stops the app at its time limit and leaves no process', async () => {
    const marker = newMarker();
    const { code, result } = await runWrapper(await job({ mode: 'sleep', marker }, { timeLimitSeconds: 1 }));
    assert.equal(code, 1);
    assert.equal(result.outcome, 'timed-out');
    assert.deepEqual(markedPids(marker), []);
  });

  it('cancels on SIGTERM: the container dies with it', async () => {
    const marker = newMarker();
    const jobDir = await job({ mode: 'sleep', marker });
    const child = spawn(process.execPath, [WRAPPER, jobDir]);
    for (let i = 0; i < 100 && markedPids(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(markedPids(marker).length, 1, 'the app started');
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    const { result } = await readJobOutcome(jobDir);
    assert.equal(result.outcome, 'cancelled');
    assert.deepEqual(markedPids(marker), []);
  });

  it('holds the app to its memory: beyond it the kernel kills it, reported as out-of-memory with the limit and peak', async () => {
    const jobDir = await job({ mode: 'allocate', mib: 128 }, { memoryMiB: 64 });
    const { code, result, text } = await runWrapper(jobDir);
    assert.equal(code, 1);
    assert.equal(result.outcome, 'out-of-memory', text);
    assert.deepEqual(result.memory, { limitMiB: 64, peakMiB: 64, enforcedBy: 'cgroup-v1' });
    assert.match(text, /^limits: 64 MiB of memory \(swap included\), 1 CPU, held by a cgroup \(v1\)/m);
    assert.match(text, /^out of memory: the kernel killed a process of the app at its limit of 64 MiB \(peak 64 MiB\)$/m);
    assert.doesNotMatch(text, /held 128 MiB/);
    assert.deepEqual(await jobCgroups(jobDir), [], 'its cgroup is removed');

    const within = await runWrapper(await job({ mode: 'allocate', mib: 32 }, { memoryMiB: 64 }));
    assert.deepEqual([within.code, within.result.outcome], [0, 'exited'], within.text);
    assert.match(within.text, /^held 32 MiB$/m);
    const peak = within.result.memory!.peakMiB!;
    assert.ok(peak >= 32 && peak < 64, `peak ${peak} MiB: the 32 MiB block and a little`);
    assert.equal(within.result.usage?.peakMemoryMiB, peak, 'the usage says the same peak');
  });

  it('measures the CPU time the app used, from its cgroup: at least what the app itself counted, at most its CPUs for its run', async () => {
    // A fixed amount of work rather than a fixed time, which a busy machine would fill with less.
    const loop = 'i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done';
    const jobDir = await job({ mode: 'busy' }, { argv: ['/bin/busybox', 'time', '/bin/sh', '-c', loop], cpus: 1 });
    const { result, text } = await runWrapper(jobDir);
    assert.deepEqual([result.outcome, result.exitCode], ['exited', 0], text);
    const reported = timedCpu(text);
    assert.ok(reported > 0.1, `the loop used ${reported} s of CPU by its own count`);
    const usage = result.usage!;
    assert.ok(usage, 'the result says what the app used');
    const { cpuSeconds, wallSeconds, peakMemoryMiB } = usage;
    // The cgroup also counts `time` and the runtime's start, so never less than the loop's own figure.
    assert.ok(cpuSeconds !== null && cpuSeconds >= reported - 0.02, `measured ${cpuSeconds} s, the app counted ${reported} s`);
    // One CPU's quota: no more CPU time than its run lasted, and one CFS period (0.1 s) of slack.
    assert.ok(cpuSeconds <= wallSeconds + 0.1, `${cpuSeconds} s of CPU in ${wallSeconds} s on 1 CPU`);
    const wrapperSeconds = (Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000;
    assert.ok(wallSeconds > 0 && wallSeconds <= wrapperSeconds, `the app ran ${wallSeconds} s of the wrapper's ${wrapperSeconds} s`);
    assert.ok(peakMemoryMiB !== null && peakMemoryMiB > 0 && peakMemoryMiB === result.memory?.peakMiB, `peak ${peakMemoryMiB} MiB`);
  });

  it('puts the app, not the wrapper, in a cgroup with its CPU and memory limits, and removes it when cancelled', async () => {
    const jobDir = await job({ mode: 'sleep' }, { memoryMiB: 96, cpus: 2 });
    const child = spawn(process.execPath, [WRAPPER, jobDir]);
    let cgroups: string[] = [];
    const procs = () => (cgroups[0] ? readFileSync(join(cgroups[0], 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number) : []);
    // The wrapper joins the cgroup for the moment it spawns the app, then leaves: wait for the app alone.
    for (let i = 0; i < 200 && !(procs().length > 0 && !procs().includes(child.pid!)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      cgroups = await jobCgroups(jobDir);
    }
    const [memory, cpu] = cgroups;
    assert.ok(memory && cpu, `a memory and a cpu cgroup: ${cgroups.join(', ')}`);
    assert.equal(readFileSync(join(memory, 'memory.limit_in_bytes'), 'utf8').trim(), String(96 * 1024 * 1024));
    assert.equal(readFileSync(join(cpu, 'cpu.cfs_quota_us'), 'utf8').trim(), String(2 * Number(readFileSync(join(cpu, 'cpu.cfs_period_us'), 'utf8'))));
    const inside = procs();
    assert.ok(inside.length > 0 && !inside.includes(child.pid!), 'the app is inside, its wrapper is not');
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve));
    assert.equal((await readJobOutcome(jobDir)).result.outcome, 'cancelled');
    assert.deepEqual(await jobCgroups(jobDir), []);
  });

  it('runs a SquashFS image the same way, and packs it to the same digest twice', async () => {
    const packed = await buildSquashfsImage(image.location, join(root, 'image.sqfs'));
    const again = await buildSquashfsImage(image.location, join(root, 'image-again.sqfs'));
    assert.equal(again.digest, packed.digest);
    const { code, result, text } = await runWrapper(await job({ mode: 'ok' }, { image: { digest: packed.digest, format: 'squashfs', location: packed.location } }));
    assert.equal(code, 0, result.detail ?? '');
    assert.match(text, /^uid [1-9][0-9]* mode ok$/m);
    assert.ok(result.outputs.some((o) => o.path === 'lines.txt'));
  });

  it('refuses an input whose bytes do not match their sha256, and an image not pinned by digest', async () => {
    const tampered = await runWrapper(await job({ mode: 'ok' }, { inputs: [{ name: 'reads', ref: '1/2/3', type: 'Genomics.Reads-1.0', data: {}, files: [{ name: 'reads.fastq', path: readsPath, sha256: '0'.repeat(64) }] }] }));
    assert.equal(tampered.result.outcome, 'launcher-error');
    assert.match(tampered.result.detail!, /sha256/);
    const floating = await runWrapper(await job({ mode: 'ok' }, { image: { digest: 'latest', format: 'directory', location: image.location } }));
    assert.match(floating.result.detail!, /pinned by a sha256 digest/);
  });
});
