import type { FailureReason, JobResult, Resources } from '@narrative/launcher-native';
import type { JobState } from '../../domain/jobs/states.js';
import type { Selectable, Updateable } from 'kysely';
import type { JobChange, JobInput, JobRecord, Store } from '../store.js';
import type { Db } from './db.js';
import type { Tables } from './tables.js';

type JobQueries = Pick<Store, 'createJob' | 'getJob' | 'findJobByRequest' | 'updateJob' | 'listJobsInStates' | 'listFailedSince' | 'findRetryOf' | 'appendJobEvent' | 'claimJobOutput' | 'jobEvents'>;

/** Jobs and their ordered event log. A state change is a compare-and-set on the current state. */
export function jobQueries(db: Db): JobQueries {
  return {
    async createJob(j) {
      const { id } = await db
        .insertInto('jobs')
        .values({
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
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return id;
    },
    async getJob(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toJob(row);
    },
    async findJobByRequest(userId, clientRequestId) {
      const row = await db.selectFrom('jobs').selectAll().where('user_id', '=', userId).where('client_request_id', '=', clientRequestId).executeTakeFirst();
      return row && toJob(row);
    },
    async updateJob(id, expected, change) {
      const result = await db.updateTable('jobs').set(toRow(change)).where('id', '=', id).where('state', '=', expected).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listJobsInStates(states) {
      if (states.length === 0) return [];
      return (await db.selectFrom('jobs').selectAll().where('state', 'in', states).orderBy('id').execute()).map(toJob);
    },
    async listFailedSince(since) {
      return (await db.selectFrom('jobs').selectAll().where('state', '=', 'failed').where('ended_at', '>', since).orderBy('id').execute()).map(toJob);
    },
    async findRetryOf(jobId) {
      const row = await db.selectFrom('jobs').selectAll().where('retry_of', '=', jobId).executeTakeFirst();
      return row && toJob(row);
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
    async jobEvents(jobId, afterSeq) {
      const rows = await db.selectFrom('job_events').selectAll().where('job_id', '=', jobId).where('seq', '>', afterSeq).orderBy('seq').execute();
      return rows.map((r) => ({ seq: r.seq, at: r.at, event: JSON.parse(r.event) as unknown }));
    },
  };
}

function toRow(c: JobChange): Updateable<Tables['jobs']> {
  const row: Updateable<Tables['jobs']> = {};
  if (c.state !== undefined) row.state = c.state;
  if (c.failure !== undefined) row.failure = c.failure === null ? null : JSON.stringify(c.failure);
  if (c.schedulerId !== undefined) row.scheduler_id = c.schedulerId;
  if (c.node !== undefined) row.node = c.node;
  if (c.queueReason !== undefined) row.queue_reason = c.queueReason;
  if (c.queuePosition !== undefined) row.queue_position = c.queuePosition;
  if (c.outputs !== undefined) row.outputs = c.outputs === null ? null : JSON.stringify(c.outputs);
  if (c.result !== undefined) row.result = c.result === null ? null : JSON.stringify(c.result);
  if (c.startedAt !== undefined) row.started_at = c.startedAt;
  if (c.endedAt !== undefined) row.ended_at = c.endedAt;
  return row;
}

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function toJob(r: Selectable<Tables['jobs']>): JobRecord {
  return {
    id: r.id,
    appId: r.app_id,
    appVersion: r.app_version,
    userId: r.user_id,
    wsid: r.wsid,
    clientRequestId: r.client_request_id,
    params: JSON.parse(r.params) as Record<string, unknown>,
    inputs: JSON.parse(r.inputs) as JobInput[],
    resources: JSON.parse(r.resources) as Resources,
    state: r.state as JobState,
    failure: parse<FailureReason>(r.failure),
    scheduler: r.scheduler,
    schedulerId: r.scheduler_id,
    node: r.node,
    queueReason: r.queue_reason,
    queuePosition: r.queue_position,
    outputs: parse<string[]>(r.outputs),
    result: parse<JobResult>(r.result),
    attempt: r.attempt,
    retryOf: r.retry_of,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    origin: r.narrative_id === null ? null : { narrative: r.narrative_id, narrativeVersion: r.narrative_ver, cell: r.cell_id },
  };
}
