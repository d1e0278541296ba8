import type { FailureReason, JobResult, Resources } from '@narrative/launcher-native';
import type { FailedJob, Job, JobBase, JobIn, JobInput, JobStateFields, NewJob } from '../../domain/jobs/job.js';
import { isJobState, type JobState } from '../../domain/jobs/states.js';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { VerificationReport } from '../../schemas/verification.js';
import type { NarrativeRunKind, Store } from '../store.js';
import type { Db } from './db.js';
import { chunksOf, EVENTS_PER_INSERT, IDS_PER_READ, JOBS_PER_INSERT, MOVES_PER_UPDATE, updateMany } from './jobs-many.js';
import type { Tables } from './tables.js';
import { ownedOrGranted } from './workspaces.js';

type JobQueries = Pick<
  Store,
  | 'createJob' | 'createJobs' | 'updateJobs' | 'appendJobEvents' | 'countJobsByState' | 'getJob' | 'getJobs' | 'findJobByRequest' | 'updateJob' | 'listJobsInStates' | 'listCreatedBefore' | 'listFailedSince' | 'findRetryOf' | 'listJobsOf'
  | 'countCellRuns' | 'retriesOf' | 'appendJobEvent' | 'claimJobOutput' | 'jobOutputs'
  | 'setJobInputs' | 'recordVerification' | 'verificationsOf' | 'jobEvents' | 'createNarrativeRun' | 'getNarrativeRun' | 'jobsOfRun'
>;

/**
 * Jobs and their ordered event log. A state change is a compare-and-set on the current state.
 * `inTransaction` makes a write of many rows, in several statements, all or nothing.
 */
export function jobQueries(db: Db, inTransaction: <T>(work: (tx: Db) => Promise<T>) => Promise<T>): JobQueries {
  return {
    async createJob(j) {
      const { id } = await db.insertInto('jobs').values(newJobRow(j)).returning('id').executeTakeFirstOrThrow();
      return id;
    },
    createJobs: (jobs) =>
      inTransaction(async (tx) => {
        const ids: number[] = [];
        for (const chunk of chunksOf(jobs, JOBS_PER_INSERT)) {
          const rows = await tx.insertInto('jobs').values(chunk.map(newJobRow)).returning('id').execute();
          // Both databases number the rows of one insert in the order of its values; RETURNING need not keep that order.
          ids.push(...rows.map((r) => r.id).sort((a, b) => a - b));
        }
        return ids;
      }),
    updateJobs: (moves) => inTransaction(async (tx) => {
      const moved = new Set<number>();
      for (const chunk of chunksOf(moves, MOVES_PER_UPDATE)) {
        for (const id of await updateMany(tx, chunk.map((m) => ({ id: m.id, expected: m.expected, row: toRow(m.next) })))) moved.add(id);
      }
      return moves.filter((m) => moved.has(m.id)).map((m) => m.id);
    }),
    appendJobEvents: (events) =>
      inTransaction(async (tx) => {
        for (const chunk of chunksOf(events, EVENTS_PER_INSERT)) {
          await tx.insertInto('job_events').values(chunk.map((e) => ({ job_id: e.jobId, at: e.at, event: JSON.stringify(e.event) }))).execute();
        }
      }),
    async getJob(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toJob(row);
    },
    async getJobs(ids) {
      const jobs: Job[] = [];
      for (const chunk of chunksOf([...new Set(ids)].sort((a, b) => a - b), IDS_PER_READ)) {
        const rows = await db.selectFrom('jobs').selectAll().where('id', 'in', chunk).orderBy('id').execute();
        jobs.push(...rows.map(toJob));
      }
      return jobs;
    },
    async findJobByRequest(userId, clientRequestId) {
      const row = await db.selectFrom('jobs').selectAll().where('user_id', '=', userId).where('client_request_id', '=', clientRequestId).executeTakeFirst();
      return row && toJob(row);
    },
    async updateJob(id, expected, next) {
      const result = await db.updateTable('jobs').set(toRow(next)).where('id', '=', id).where('state', '=', expected).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async countJobsByState() {
      const rows = await db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('state').execute();
      return new Map(rows.flatMap((r) => (isJobState(r.state) ? [[r.state, Number(r.n)] as const] : [])));
    },
    async listJobsInStates<S extends JobState>(states: S[]) {
      if (states.length === 0) return [];
      const rows = await db.selectFrom('jobs').selectAll().where('state', 'in', states).orderBy('id').execute();
      return rows.map(toJob).filter((j): j is JobIn<S> => (states as JobState[]).includes(j.state));
    },
    async listCreatedBefore(before) {
      const rows = await db.selectFrom('jobs').selectAll().where('state', '=', 'created').where('created_at', '<', before).orderBy('id').execute();
      return rows.map(toJob).filter((j): j is JobIn<'created'> => j.state === 'created');
    },
    async listFailedSince(since) {
      const rows = await db.selectFrom('jobs').selectAll().where('state', '=', 'failed').where('ended_at', '>', since).orderBy('id').execute();
      return rows.map(toJob).filter((j): j is FailedJob => j.state === 'failed');
    },
    async findRetryOf(jobId) {
      const row = await db.selectFrom('jobs').selectAll().where('retry_of', '=', jobId).orderBy('id').executeTakeFirst();
      return row && toJob(row);
    },
    async listJobsOf(f) {
      // Keyset paging on the id: each page costs the same however deep, and a job made meanwhile never shifts one.
      let query = db.selectFrom('jobs').selectAll().where('user_id', '=', f.userId);
      // One statement however long the page: the permission check is a subquery, not a lookup per job.
      if (f.readableBy !== undefined) query = query.where('wsid', 'in', readableWorkspaces(db, f.readableBy));
      if (f.states) query = query.where('state', 'in', f.states.length > 0 ? f.states : ['none']);
      if (f.appId !== undefined) query = query.where('app_id', '=', f.appId);
      if (f.narrative !== undefined) query = query.where('narrative_id', '=', f.narrative);
      if (f.cell !== undefined) query = query.where('cell_id', '=', f.cell);
      if (f.since !== undefined) query = query.where('created_at', '>=', f.since);
      if (f.until !== undefined) query = query.where('created_at', '<', f.until);
      if (f.beforeId !== undefined) query = query.where('id', '<', f.beforeId);
      return (await query.orderBy('id', 'desc').limit(f.limit).execute()).map(toJob);
    },
    async countCellRuns(userId, narrative) {
      const rows = await db
        .selectFrom('jobs')
        .select(['cell_id', (eb) => eb.fn.countAll<number | string>().as('runs'), (eb) => eb.fn.max('id').as('latest')])
        .where('user_id', '=', userId)
        .where('narrative_id', '=', narrative)
        .where('cell_id', 'is not', null)
        .where('wsid', 'in', readableWorkspaces(db, userId))
        .groupBy('cell_id')
        .execute();
      // PostgreSQL counts in bigint, which its driver gives as text.
      return new Map(rows.map((r) => [r.cell_id!, { runs: Number(r.runs), latest: Number(r.latest) }]));
    },
    async retriesOf(jobIds) {
      if (jobIds.length === 0) return new Map();
      const rows = await db
        .selectFrom('jobs')
        .select(['retry_of', (eb) => eb.fn.min('id').as('first')])
        .where('retry_of', 'in', jobIds)
        .groupBy('retry_of')
        .execute();
      return new Map(rows.map((r) => [r.retry_of!, r.first]));
    },
    async appendJobEvent(jobId, at, event) {
      const { seq } = await db.insertInto('job_events').values({ job_id: jobId, at, event: JSON.stringify(event) }).returning('seq').executeTakeFirstOrThrow();
      return seq;
    },
    async claimJobOutput(jobId, attempt, output, key) {
      const result = await db
        .insertInto('job_outputs')
        .values({ job_id: jobId, attempt, output, wsid: key.wsid, objid: key.objid, ver: key.ver })
        .onConflict((c) => c.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows) === 1;
    },
    async jobOutputs(jobId) {
      const rows = await db.selectFrom('job_outputs').selectAll().where('job_id', '=', jobId).orderBy('attempt', 'desc').execute();
      const latest = rows.filter((r) => r.attempt === rows[0]?.attempt);
      return new Map(latest.map((r) => [r.output, { wsid: r.wsid, objid: r.objid, ver: r.ver }]));
    },
    async setJobInputs(jobId, inputs) {
      await db.updateTable('jobs').set({ inputs: JSON.stringify(inputs) }).where('id', '=', jobId).execute();
    },
    async createNarrativeRun(run) {
      const { id } = await db
        .insertInto('narrative_runs')
        .values({ narrative_id: run.narrative, narrative_ver: run.narrativeVersion, user_id: run.userId, kind: run.kind, verify: run.verify ? 1 : 0, created_at: run.createdAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      return id;
    },
    async getNarrativeRun(id) {
      const r = await db.selectFrom('narrative_runs').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { id: r.id, narrative: r.narrative_id, narrativeVersion: r.narrative_ver, userId: r.user_id, kind: r.kind as NarrativeRunKind, verify: r.verify === 1, createdAt: r.created_at };
    },
    async jobsOfRun(runId) {
      return (await db.selectFrom('jobs').selectAll().where('run_id', '=', runId).orderBy('id').execute()).map(toJob);
    },
    async recordVerification(key, jobId, at) {
      await db.insertInto('version_verifications').values({ ...key, job_id: jobId, at }).onConflict((c) => c.doNothing()).execute();
    },
    async verificationsOf(key) {
      const rows = await db.selectFrom('version_verifications').select(['job_id', 'at']).where('wsid', '=', key.wsid).where('objid', '=', key.objid).where('ver', '=', key.ver).orderBy('at').orderBy('job_id').execute();
      return rows.map((r) => ({ jobId: r.job_id, at: r.at }));
    },
    async jobEvents(jobId, afterSeq) {
      const rows = await db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).where('seq', '>', afterSeq).orderBy('seq').execute();
      return rows.map((r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.event) as unknown }));
    },
  };
}

function newJobRow(j: NewJob): Insertable<Tables['jobs']> {
  return {
    app_id: j.appId,
    app_version: j.appVersion,
    user_id: j.userId,
    wsid: j.wsid,
    client_request_id: j.clientRequestId,
    params: JSON.stringify(j.params),
    inputs: JSON.stringify(j.inputs),
    resources: JSON.stringify(j.resources),
    state: 'created',
    scheduler: j.scheduler,
    attempt: j.attempt,
    retry_of: j.retryOf,
    created_at: j.createdAt,
    narrative_id: j.origin?.narrative ?? null,
    narrative_ver: j.origin?.narrativeVersion ?? null,
    cell_id: j.origin?.cell ?? null,
    rerun_of: j.rerun?.of ?? null,
    verify: j.rerun?.verify ? 1 : 0,
    run_id: j.runId ?? null,
  };
}


/** The ids of the workspaces a user may read, as `levelOf` decides it: owned, granted (any grant is at least read), or public. */
function readableWorkspaces(db: Db, userId: number) {
  return db
    .selectFrom('workspaces')
    .select('workspaces.id')
    .where((eb) => eb.or([eb('workspaces.is_public', '=', 1), ownedOrGranted(eb, userId)]));
}

/** Any state's fields, each optional: what `toRow` may find in one. */
interface SomeStateFields {
  state: JobState;
  schedulerId?: string | null;
  node?: string | null;
  queueReason?: string | null;
  queuePosition?: number | null;
  startedAt?: string | null;
  endedAt?: string;
  failure?: FailureReason;
  outputs?: string[];
  result?: JobResult | null;
  verification?: VerificationReport | null;
}

/** Every state column, so nothing of the state before is left behind: a field the new state lacks is null. */
function toRow(next: JobStateFields): Updateable<Tables['jobs']> {
  const f: SomeStateFields = next;
  const text = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  return {
    state: f.state,
    scheduler_id: f.schedulerId ?? null,
    node: f.node ?? null,
    queue_reason: f.queueReason ?? null,
    queue_position: f.queuePosition ?? null,
    started_at: f.startedAt ?? null,
    ended_at: f.endedAt ?? null,
    failure: text(f.failure),
    outputs: text(f.outputs),
    result: text(f.result),
    verification: text(f.verification),
  };
}

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/**
 * The row as the job union. Rows are written only through `toRow`, so a
 * state's own fields are there; rows from before a field existed (an ended
 * job with no end time, a failure with no reason) read with a stand-in.
 */
function toJob(r: Selectable<Tables['jobs']>): Job {
  const base: JobBase = {
    id: r.id,
    appId: r.app_id,
    appVersion: r.app_version,
    userId: r.user_id,
    wsid: r.wsid,
    clientRequestId: r.client_request_id,
    params: JSON.parse(r.params) as Record<string, unknown>,
    inputs: JSON.parse(r.inputs) as JobInput[],
    resources: JSON.parse(r.resources) as Resources,
    scheduler: r.scheduler,
    attempt: r.attempt,
    retryOf: r.retry_of,
    createdAt: r.created_at,
    origin: r.narrative_id === null ? null : { narrative: r.narrative_id, narrativeVersion: r.narrative_ver, cell: r.cell_id },
    rerun: r.rerun_of === null ? null : { of: r.rerun_of, verify: r.verify === 1 },
    runId: r.run_id,
  };
  const state = isJobState(r.state) ? r.state : 'failed';
  const ended = { schedulerId: r.scheduler_id, node: r.node, startedAt: r.started_at, endedAt: r.ended_at ?? r.created_at, result: parse<JobResult>(r.result) };
  switch (state) {
    case 'created':
      return { ...base, state };
    case 'queued':
      return { ...base, state, schedulerId: r.scheduler_id ?? '', queueReason: r.queue_reason, queuePosition: r.queue_position };
    case 'running':
      return { ...base, state, schedulerId: r.scheduler_id ?? '', node: r.node, startedAt: r.started_at };
    case 'completed':
      return { ...base, state, ...ended, outputs: parse<string[]>(r.outputs) ?? [], verification: parse<VerificationReport>(r.verification) };
    case 'failed':
      return { ...base, state, ...ended, failure: parse<FailureReason>(r.failure) ?? { kind: 'lost', detail: `no reason was recorded (state ${r.state})` } };
    case 'cancelled':
      return { ...base, state, ...ended };
  }
}
