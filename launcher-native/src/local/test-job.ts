import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeJobSpec, type JobSpec } from '../job-dir/job-spec.js';
import { readLog } from '../job-dir/log.js';
import { readResult } from '../job-dir/result.js';
import { processesWithEnv } from '../processes/process-table.js';

/**
 * What the wrapper and scheduler tests share: the test app, its job, and
 * reading what a run left. Tests only; nothing of the product imports it.
 */

/** The compiled wrapper, run as the scheduler would: `node main.js <jobDir>`. */
export const WRAPPER = fileURLToPath(new URL('../wrapper/main.js', import.meta.url));

/**
 * The test app: /app/run.sh in the busybox image of the wrapper and scheduler
 * tests. The job's `mode` parameter picks what it does, after printing
 * `uid <uid> mode <mode>`:
 * - `ok`: counts the lines of /in/reads/reads.fastq into /out/lines.txt and declares it as the output `stats`;
 * - `relay`: after `pause` seconds (a parameter, default 0), the files of input `reads` and a line
 *   `relayed` into /out/lines.txt, declared as the output `stats`, for a chain of jobs each taking
 *   the one before's output; also /in/inputs.json copied to /out/inputs-seen.json (not declared);
 * - `fail`: "something broke" on stderr, exit code 3;
 * - `sleep`: `sleep 300`, for time limits and cancelling, with NARRATIVE_TEST_MARKER=<`marker` parameter>
 *   in its environment, so a test checks its own process and no other `sleep 300` on the machine;
 * - `env`: the environment, sorted;
 * - `interfaces`: `interfaces: <names> ` of /sys/class/net (only `lo` without network);
 * - `connect`: an HTTP GET of 127.0.0.1:<`port` parameter> with nc (the host's loopback only with network);
 * - `sockets`: `sockets: <paths> end`, every Unix socket in the file system but /proc and /sys;
 * - `escape`: the mount line of /in, then tries to write /in (an existing and a new file), /etc and /tmp,
 *   saying `wrote /in`, `wrote /etc` or `wrote private tmp` for each that worked (/tmp/narrative-escape-test);
 * - `allocate`: fills a buffer of <`mib` parameter> MiB (dd's block) at once, then says `held <mib> MiB`.
 */
export const TEST_APP = `#!/bin/sh
mode=$(sed -n 's/.*"mode": *"\\([a-z-]*\\)".*/\\1/p' /in/params.json)
echo "uid $(id -u) mode $mode"
case "$mode" in
  ok)
    wc -l < /in/reads/reads.fastq > /out/lines.txt
    echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"lines"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  relay)
    pause=$(sed -n 's/.*"pause": *\\([0-9]*\\).*/\\1/p' /in/params.json); sleep "\${pause:-0}"
    { cat /in/reads/*; echo relayed; } > /out/lines.txt
    cp /in/inputs.json /out/inputs-seen.json
    echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"relayed"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
  fail) echo "something broke" >&2; exit 3 ;;
  sleep) marker=$(sed -n 's/.*"marker": *"\\([a-z0-9-]*\\)".*/\\1/p' /in/params.json); NARRATIVE_TEST_MARKER="$marker" sleep 300 ;;
  env) env | sort ;;
  interfaces) echo "interfaces: $(ls /sys/class/net | tr '\\n' ' ')" ;;
  connect) port=$(sed -n 's/.*"port": *\\([0-9]*\\).*/\\1/p' /in/params.json); printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 "$port" ;;
  sockets) echo "sockets: $(find / -path /proc -prune -o -path /sys -prune -o -type s -print | tr '\\n' ' ')end" ;;
  escape)
    grep ' /in ' /proc/mounts
    (echo x > /in/params.json) 2>/dev/null && echo "wrote /in"
    (echo x > /in/new-file) 2>/dev/null && echo "wrote /in"
    (echo x > /etc/passwd-new) 2>/dev/null && echo "wrote /etc"
    echo x > /tmp/narrative-escape-test && echo "wrote private tmp" ;;
  allocate) mib=$(sed -n 's/.*"mib": *\\([0-9]*\\).*/\\1/p' /in/params.json); dd if=/dev/zero of=/dev/null bs="$mib"M count=1 && echo "held $mib MiB" ;;
esac
`;

/**
 * The job the wrapper and scheduler tests run: TEST_APP on one reads file,
 * as an unprivileged account when the tests run as root.
 */
export interface TestJob {
  jobId: string;
  runtime: JobSpec['runtime'];
  image: JobSpec['image'];
  params: Record<string, unknown>;
  readsPath: string;
  reads: string;
  runAs: JobSpec['runAs'];
}

export function testJobSpec(t: TestJob, overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    jobId: t.jobId,
    runtime: t.runtime,
    image: t.image,
    argv: ['/bin/sh', '/app/run.sh'],
    params: t.params,
    inputs: [{ name: 'reads', ref: '1/2/3', type: 'Genomics.Reads-1.0', data: {}, files: [{ name: 'reads.fastq', path: t.readsPath, sha256: createHash('sha256').update(t.reads).digest('hex') }] }],
    env: { THREADS: '2' },
    network: false,
    gpus: 0,
    mpi: false,
    cpus: 1,
    memoryMiB: 256,
    timeLimitSeconds: 60,
    runAs: t.runAs,
    ...overrides,
  };
}

/** A fresh job directory holding the spec's job.json. */
export async function writeTestJob(jobDir: string, spec: JobSpec): Promise<string> {
  await mkdir(jobDir);
  await writeJobSpec(jobDir, spec);
  return jobDir;
}

/** What a finished job left: its result.json and log lines (all of their text joined, for matching). */
export async function readJobOutcome(jobDir: string) {
  const result = await readResult(jobDir);
  if (!result) throw new Error(`${jobDir} holds no result`);
  const log = (await readLog(jobDir)).lines;
  return { result, log, text: log.map((l) => l.text).join('\n') };
}

/** Runs the wrapper on a job directory to its end, with extra environment, and reads what it left. */
export async function runWrapper(jobDir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [WRAPPER, jobDir], { env: { ...process.env, ...env } });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, ...(await readJobOutcome(jobDir)) };
}

/** A fresh `marker` parameter for TEST_APP's sleep mode. */
export const newMarker = (): string => `t-${randomUUID()}`;

/** The PIDs of the running processes that carry marker: the sleep a test started, not any other on the machine. */
export const markedPids = (marker: string): number[] => processesWithEnv(`NARRATIVE_TEST_MARKER=${marker}`).map((p) => p.pid);
