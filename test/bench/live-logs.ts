import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { kill9, ServerProcesses, type Served } from '../support/server-process.js';
import { streamUrl } from '../support/job-stream.js';
import { buildTestApp, uploadReads } from '../support/test-app.js';
import { figure, median, percentile, type Benchmark, type Figure } from './benchmark.js';
import { Subscribers, type Tally } from './log-subscribers.js';
import type { WriterOrder } from './log-writer.js';
import { cpuSecondsOf } from './process-cpu.js';
import { memoryOf, resetPeak } from './process-memory.js';

const RAW_SERVER = fileURLToPath(new URL('./raw-log-server.js', import.meta.url));
const CROWD = Number(process.env.NARRATIVE_BENCH_SUBSCRIBERS ?? 1000);
const LINES_PER_SECOND = 10_000;
const WRITE_SECONDS = 2;
const ROUNDS = Number(process.env.NARRATIVE_BENCH_ROUNDS ?? 2);
/** One subscriber in this many parses every message and times every line (all of them count every line). */
const PROBE_EVERY = 50;
/** A line not delivered this long after the writer stopped counts as lost. */
const DRAIN_MS = 15_000;

interface Phase extends Tally {
  written: number;
  peakMiB: number;
  restMiB: number;
  /** From the writer's last line to every subscriber having it (or the deadline). */
  drainMs: number;
  /** CPU seconds the server and this process (the subscribers) used from the first connection to the drain. */
  serverCpu: number;
  clientCpu: number;
}

/**
 * One running job of a real server process (`narrative serve`, local
 * scheduler) whose log grows by 10,000 lines a second for a few seconds,
 * followed by 1,000 websocket subscribers, against the same followed by one
 * subscriber, on the same server and job: what fanning out costs; and against
 * a bare ws server tailing the same file to 1,000 sockets: what this machine,
 * the subscribers' own process included, can do at all. Each round has a
 * fresh server, the single subscriber first, so that its memory is not what
 * an earlier crowd left behind.
 * The lines are appended to the job's log.jsonl by a worker thread of this
 * process, in the wrapper's format, while the job's app sleeps: the server
 * tails that file whoever writes it, and no shell loop could hold the rate.
 */
const liveLogs: Benchmark = {
  name: 'live-logs',
  title: `Live logs: ${CROWD.toLocaleString('en')} websocket subscribers on one job writing ${LINES_PER_SECOND.toLocaleString('en')} lines/s`,
  async run(): Promise<Figure[]> {
    const app = await buildTestApp();
    try {
      const crowd: Phase[] = [];
      const single: Phase[] = [];
      const bare: Phase[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const servers = new ServerProcesses();
        try {
          const home = await servers.newHome('narrative-bench-logs-');
          const served = await servers.serve(home);
          const jobId = await sleepingJob(served, app);
          const logFile = join(home, 'jobs', String(jobId), 'log.jsonl');
          const stream = { url: streamUrl(served.url, jobId), headers: { Authorization: `Bearer ${served.token}` }, pid: served.proc.pid!, raw: false };
          const afterEvent = async () => (await served.client.jobEvents(jobId)).at(-1)?.seq ?? 0;
          single.push(await phase({ ...stream, url: streamUrl(served.url, jobId, { afterEvent: await afterEvent(), afterLine: await completeLines(logFile) }) }, logFile, 1));
          crowd.push(await phase({ ...stream, url: streamUrl(served.url, jobId, { afterEvent: await afterEvent(), afterLine: await completeLines(logFile) }) }, logFile, CROWD));
          bare.push(await withRawServer(logFile, (target) => phase(target, logFile, CROWD)));
          await served.client.cancelJob(jobId);
        } finally {
          await servers.cleanup();
        }
      }
      return figures(crowd, single, bare);
    } finally {
      await rm(dirname(app.container.image.location), { recursive: true, force: true });
    }
  },
};

function figures(crowd: Phase[], single: Phase[], bare: Phase[]): Figure[] {
  const crowdName = `${CROWD.toLocaleString('en')} subscribers`;
  const pick = (phases: Phase[], read: (p: Phase) => number) => phases.map(read);
  const p = (q: number) => (phase: Phase) => percentile(phase.latencies, q);
  const cpu = (phases: Phase[]) => `server ${median(pick(phases, (x) => x.serverCpu)).toFixed(1)} s, subscribers' process ${median(pick(phases, (x) => x.clientCpu)).toFixed(1)} s`;
  const drained = (phases: Phase[]) => `${median(pick(phases, (x) => x.drainMs)).toFixed(0)} ms`;
  const drain = `CPU per round: ${cpu(crowd)} (1 subscriber: ${cpu(single)}; bare ws: ${cpu(bare)}); drained ${drained(crowd)} after the writer stopped (1 subscriber: ${drained(single)}, bare ws: ${drained(bare)})`;
  const bareName = `a bare ws server tailing the same file to ${crowdName} (raw-log-server.ts): the floor of this machine, subscribers included`;
  const lines = `${crowd[0]!.written.toLocaleString('en')} lines written per round in ${WRITE_SECONDS} s straight into the job's log.jsonl`;
  return [
    figure({
      name: `p50 delivery latency, ${crowdName}`, unit: 'ms', samples: pick(crowd, p(50)),
      baseline: { name: 'the same job and rate followed by 1 subscriber: what fanning out adds', samples: pick(single, p(50)) },
      notes: `file append → message parsed by the client, every line of ${Math.ceil(CROWD / PROBE_EVERY)} probes spread over the connection order; ${lines}; ${drain}`,
    }),
    figure({
      name: `p99 delivery latency, ${crowdName}`, unit: 'ms', samples: pick(crowd, p(99)),
      baseline: { name: 'the same job and rate followed by 1 subscriber', samples: pick(single, p(99)) },
      notes: 'latencies of lines delivered; lines not delivered at all are counted as lost instead',
    }),
    figure({
      name: `p50 delivery latency against the floor, ${crowdName}`, unit: 'ms', samples: pick(crowd, p(50)),
      baseline: { name: bareName, samples: pick(bare, p(50)) },
      notes: 'the bare server sends the file\'s bytes as they are (no parsing, numbering, store or access checks), on the same 25 ms cadence',
    }),
    figure({
      name: `p99 delivery latency against the floor, ${crowdName}`, unit: 'ms', samples: pick(crowd, p(99)),
      baseline: { name: bareName, samples: pick(bare, p(99)) },
    }),
    figure({
      name: `lines lost, ${crowdName}`, unit: 'lines', samples: pick(crowd, (x) => x.missing + x.faults),
      baseline: { name: 'lines due to all subscribers (written × subscribers)', samples: pick(crowd, (x) => x.expectedPerSubscriber * x.subscribers) },
      target: { ratio: 0, at: 'most' },
      notes: `counted per subscriber by line number: missing ${DRAIN_MS / 1000} s after the writer stopped (${crowd.map((x) => x.missing).join(', ')}), skipped, repeated or out of order (${crowd.map((x) => x.faults).join(', ')}); closed by the server early: ${crowd.map((x) => x.closedEarly).join(', ')}`,
    }),
    figure({
      name: `server peak RSS, ${crowdName}`, unit: 'MiB', samples: pick(crowd, (x) => x.peakMiB),
      baseline: { name: 'the same server\'s peak with 1 subscriber', samples: pick(single, (x) => x.peakMiB) },
      notes: `/proc VmHWM of the server process over each round, reset at its start; at rest before the rounds of ${crowdName}: ${crowd.map((x) => x.restMiB.toFixed(0)).join(', ')} MiB`,
    }),
  ];
}

/** The test app in its sleep mode: a running job whose wrapper writes nothing more to its log for five minutes. */
async function sleepingJob(served: Served, app: Awaited<ReturnType<typeof buildTestApp>>): Promise<number> {
  const client = served.client;
  await client.registerApp(app);
  const ws = (await client.createWorkspace('bench-live-logs')).id;
  const reads = await uploadReads(client, ws, '@r1\nACGT\n+\nIIII\n');
  const { id } = await client.run({ app: app.id, ws: String(ws), inputs: { reads }, params: { mode: 'sleep', marker: 'bench-live-logs' } });
  const deadline = Date.now() + 60_000;
  while (!(await client.jobLog(id)).lines.some((l) => l.text === 'sleeping')) {
    const job = await client.job(id);
    if (job.state !== 'queued' && job.state !== 'running') throw new Error(`the bench job ended as ${job.state} before it slept`);
    if (Date.now() > deadline) throw new Error(`the bench job did not start sleeping in 60 s (${job.state})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return id;
}

/** Where subscribers connect: the server's job stream, or the bare server, and the process serving them. */
interface Target {
  url: string;
  headers: Record<string, string>;
  pid: number;
  raw: boolean;
}

async function phase({ url, headers, pid, raw }: Target, logFile: string, count: number): Promise<Phase> {
  const afterLine = await completeLines(logFile);
  const subscribers = new Subscribers(count, afterLine, PROBE_EVERY, raw);
  try {
    await resetPeak(pid);
    const { rssMiB: restMiB } = await memoryOf(pid);
    const serverCpuBefore = await cpuSecondsOf(pid);
    const clientCpuBefore = process.cpuUsage();
    await subscribers.connect(url, headers);
    const written = await writeLines({ file: logFile, linesPerSecond: LINES_PER_SECOND, seconds: WRITE_SECONDS });
    const stopped = Date.now();
    await subscribers.waitFor(afterLine + written, stopped + DRAIN_MS);
    const drainMs = Date.now() - stopped;
    const { peakMiB } = await memoryOf(pid);
    const serverCpu = (await cpuSecondsOf(pid)) - serverCpuBefore;
    const { user, system } = process.cpuUsage(clientCpuBefore);
    return { ...subscribers.tally(afterLine + written), written, peakMiB, restMiB, drainMs, serverCpu, clientCpu: (user + system) / 1e6 };
  } finally {
    await subscribers.close();
  }
}

/** Runs `work` against a bare ws server tailing `logFile` from its end, then stops it. */
async function withRawServer<T>(logFile: string, work: (target: Target) => Promise<T>): Promise<T> {
  const proc = spawn(process.execPath, [RAW_SERVER, logFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the bare ws server did not start in 15 s')), 15_000);
      createInterface({ input: proc.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      proc.once('exit', (code) => reject(new Error(`the bare ws server exited (${code}) before serving`)));
    });
    return await work({ url: `ws://127.0.0.1:${port}/`, headers: {}, pid: proc.pid!, raw: true });
  } finally {
    await kill9(proc);
  }
}

function writeLines(order: WriterOrder): Promise<number> {
  const worker = new Worker(new URL('./log-writer.js', import.meta.url), { workerData: order });
  return new Promise((resolve, reject) => {
    worker.once('message', (written: number) => void worker.terminate().then(() => resolve(written)));
    worker.once('error', reject);
  });
}

/** The log's complete lines: what a subscriber joining now skips. The wrapper writes none while its app sleeps. */
async function completeLines(file: string): Promise<number> {
  const data = await readFile(file);
  let lines = 0;
  for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) lines++;
  return lines;
}

export default liveLogs;
