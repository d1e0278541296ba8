// Fakes for the app cell's unit tests: a server behind the client methods the
// model uses, job streams the test drives by hand, and a translation bundle.
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ISignal } from '@lumino/signaling';
import type { AppVersion, Job, ObjectVersion, RunRequest } from '@narrative/server/client';
import { JobLookup, type LookupClient } from './job-lookup.js';
import type { IJobListener, JobStreamFactory } from './job-stream.js';
import type { IAppCellMetadata } from './metadata.js';
import { AppCellModel, type AppCellClient } from './model.js';

const fill = (text: string, args: unknown[]) => text.replace(/%(\d+)/g, (m, n: string) => (Number(n) <= args.length ? String(args[Number(n) - 1]) : m));

/** Like JupyterLab's null translator: `%1`, `%2`… replaced by the arguments; `_n` picks by the count, which is `%1`. */
export const trans = {
  __: (text: string, ...args: unknown[]) => fill(text, args),
  _n: (one: string, many: string, n: number, ...args: unknown[]) => fill(n === 1 ? one : many, [n, ...args]),
} as unknown as TranslationBundle;

export const WSID = 7;
/** The narrative of workspace WSID, named in every run. */
export const NARRATIVE = 3;

/** The test app: one required reads input, a mode (enum with a default) and an optional bounded integer. */
export const APP = {
  id: 'test/count-lines',
  version: '1.0.0',
  spec: {
    id: 'test/count-lines',
    version: '1.0.0',
    name: 'Count lines',
    inputs: [{ name: 'reads', types: ['Genomics.Reads-1.0'], required: true, description: '' }],
    params: { type: 'object', properties: { mode: { type: 'string', enum: ['ok', 'slow', 'fail'], default: 'ok' }, lines: { type: 'integer', minimum: 1 } }, required: ['mode'] },
    outputs: [{ name: 'stats', type: 'Report.Report-1.0', description: '' }],
  },
} as unknown as AppVersion;

/** A job in `state`; the fields given replace the defaults (a test job need not be a consistent one). */
export function job(fields: { id: number; state: Job['state'] } & Record<string, unknown>): Job {
  const base = {
    app: APP.id, version: APP.version, user: 'alice', wsid: WSID, failure: null, scheduler: 'local', schedulerId: null, node: null,
    queueReason: null, queuePosition: null, params: {}, inputs: [], outputs: null, attempt: 1, retryOf: null, retriedBy: null, rerunOf: null, verify: false, verification: null,
    createdAt: '2025-01-01T00:00:00Z', startedAt: null, endedAt: null, resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 }, narrative: null,
  };
  return { ...base, ...fields } as Job;
}

export function object(ref: string, name: string, type = 'Report.Report-1.0'): ObjectVersion {
  return { ref, name, type, data: {} } as unknown as ObjectVersion;
}

/** A promise and its resolve, to hold a request while the test looks at the cell. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The next emission of a signal. */
export function next<T, U>(signal: ISignal<T, U>): Promise<U> {
  return new Promise((resolve) => {
    const once = (_: T, args: U) => {
      signal.disconnect(once);
      resolve(args);
    };
    signal.connect(once);
  });
}

/** The server as the model's client sees it, with every call recorded. */
export class FakeServer {
  readonly jobs = new Map<number, Job>();
  readonly logs = new Map<number, string[]>();
  readonly objects = new Map<string, ObjectVersion>();
  /** Every run request sent, answered or not. */
  readonly runs: RunRequest[] = [];
  readonly calls: string[] = [];
  /** When set, run, cancel and retry wait for it. */
  hold: Promise<void> | null = null;
  /** When set, the next run, cancel or retry fails with it. */
  refuse: Error | null = null;
  appMissing = false;
  /** The app version the server has (a test may give it a retry policy). */
  app: AppVersion = APP;
  /** Who calls: listJobs lists only this user's jobs, as the server does. */
  caller = 'alice';
  /** When set, listJobs fails with it. */
  refuseList: Error | null = null;
  private nextId = 100;

  readonly client: AppCellClient = {
    app: async (id) => {
      this.calls.push(`app ${id}`);
      if (this.appMissing) throw new Error('no such app');
      return this.app;
    },
    job: async (id) => {
      this.calls.push(`job ${id}`);
      const found = this.jobs.get(id);
      if (!found) throw new Error(`no job ${id}`);
      return found;
    },
    jobLog: async (id) => {
      this.calls.push(`log ${id}`);
      return { lines: (this.logs.get(id) ?? []).map((text, i) => ({ n: i + 1, t: '', stream: 'stdout' as const, text })), next: 0 };
    },
    getObject: async (ref) => {
      this.calls.push(`object ${ref}`);
      const found = this.objects.get(ref);
      if (!found) throw new Error(`no object ${ref}`);
      return found;
    },
    listJobs: async (query = {}) => {
      this.calls.push(query.cursor === undefined ? 'list' : `list after ${query.cursor}`);
      if (this.refuseList) throw this.refuseList;
      const of = (j: Job) => j.user === this.caller && j.narrative?.id === query.narrative && (query.cell === undefined || j.narrative?.cell === query.cell);
      const mine = [...this.jobs.values()].filter(of).filter((j) => query.cursor === undefined || j.id < Number(query.cursor)).sort((a, b) => b.id - a.id);
      const items = mine.slice(0, query.limit ?? 100);
      return { items, next: mine.length > items.length ? String(items[items.length - 1]!.id) : null };
    },
    run: (request) => {
      this.runs.push(request);
      const narrative = request.narrative ? { id: request.narrative.id, version: null, cell: request.narrative.cell ?? null } : null;
      return this.answer('run', () => this.add(job({ id: this.nextId++, state: 'created', params: request.params ?? {}, narrative })));
    },
    cancelJob: (id) => this.answer(`cancel ${id}`, () => this.add(job({ ...this.jobs.get(id)!, state: 'cancelled', endedAt: '2025-01-01T00:01:00Z' }))),
    retryJob: (id) => this.answer(`retry ${id}`, () => this.add(job({ id: this.nextId++, state: 'queued', retryOf: id }))),
    rerunJob: (id, options) => this.answer(`rerun ${id}${options?.verify ? ' verify' : ''}`, () => this.add(job({ id: this.nextId++, state: 'queued', rerunOf: id, verify: Boolean(options?.verify) }))),
  };

  /** `POST /jobs/lookup`: the caller's jobs among `ids` with their logs' tails, and their runs of each cell of `cellRuns`. */
  readonly lookupClient: LookupClient = {
    lookupJobs: async ({ ids, logTail = 0, cellRuns }) => {
      this.calls.push(`lookup ${ids.join(',')}${cellRuns === undefined ? '' : ` runs of ${cellRuns}`}`);
      const found = [...new Set(ids)].map((id) => this.jobs.get(id)).filter((j): j is Job => j !== undefined);
      const ended = found.filter((j) => ['completed', 'failed', 'cancelled'].includes(j.state));
      const runs: Record<string, { runs: number; latest: number }> = {};
      for (const j of this.jobs.values()) {
        if (cellRuns === undefined || j.user !== this.caller || j.narrative?.id !== cellRuns || !j.narrative.cell) continue;
        const counted = runs[j.narrative.cell] ?? { runs: 0, latest: 0 };
        runs[j.narrative.cell] = { runs: counted.runs + 1, latest: Math.max(counted.latest, j.id) };
      }
      return {
        jobs: found,
        missing: ids.filter((id) => !this.jobs.has(id)),
        logs: logTail > 0 ? ended.map((j) => ({ id: j.id, lines: (this.logs.get(j.id) ?? []).slice(-logTail).map((text) => ({ t: '', stream: 'stdout', text })), truncated: false })) : [],
        cellRuns: runs,
      };
    },
  };

  add(j: Job): Job {
    this.jobs.set(j.id, j);
    return j;
  }

  private async answer(call: string, make: () => Job): Promise<Job> {
    this.calls.push(call);
    await this.hold;
    const refused = this.refuse;
    this.refuse = null;
    if (refused) throw refused;
    return make();
  }
}

/** Job streams the test feeds by hand. */
export class FakeStreams {
  readonly opened: { jobId: number; listener: IJobListener; disposed: boolean }[] = [];
  readonly factory: JobStreamFactory = (jobId, listener) => {
    const stream = { jobId, listener, disposed: false };
    this.opened.push(stream);
    return { dispose: () => void (stream.disposed = true) };
  };

  /** The stream open now (the last one, not disposed). */
  get current(): { jobId: number; listener: IJobListener } {
    const last = this.opened[this.opened.length - 1];
    if (!last || last.disposed) throw new Error('no stream is open');
    return last;
  }
}

/** A cell as the plugin makes it, with its metadata in a plain object. */
export function cell(metadata: Partial<IAppCellMetadata> = {}, options: { readOnly?: boolean; wsid?: number; lookup?: boolean } = {}) {
  const server = new FakeServer();
  // Made on the first restore, as the plugin makes it: by then the test has put its jobs on the server.
  let lookup: JobLookup | null = null;
  const lookupOf = () => {
    if (!lookup) {
      lookup = new JobLookup(server.lookupClient, NARRATIVE);
      lookup.prefetch(stored.jobId === undefined ? [] : [stored.jobId]);
    }
    return lookup;
  };
  const streams = new FakeStreams();
  let stored: IAppCellMetadata = { id: APP.id, version: APP.version, params: {}, inputs: {}, ...metadata };
  const writes: IAppCellMetadata[] = [];
  let completed = 0;
  const model = new AppCellModel({
    client: server.client,
    trans,
    streams: streams.factory,
    read: () => stored,
    write: (m) => {
      if (options.readOnly) return;
      stored = JSON.parse(JSON.stringify(m));
      writes.push(stored);
    },
    wsid: async () => options.wsid ?? WSID,
    // A resubmission is looked for every millisecond, a few times: the tests make it appear at once or never.
    resubmitPoll: { intervalMs: 1, tries: 3 },
    completed: () => void completed++,
    readOnly: () => options.readOnly ?? false,
    cellId: () => 'cell-1',
    narrativeId: () => NARRATIVE,
    ...(options.lookup ? { restoreJob: (id: number) => lookupOf().restore(id), cellRuns: () => lookupOf().runsOf('cell-1') } : {}),
  });
  return { model, server, streams, writes, stored: () => stored, completed: () => completed };
}
