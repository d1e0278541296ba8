import { Type } from '@sinclair/typebox';
import { readLog } from '@narrative/launcher-native';
import type { Context } from '../../domain/context.js';
import { runBulk } from '../../domain/jobs/bulk.js';
import { cancelJob, retryJob } from '../../domain/jobs/control.js';
import { jobDirOf, requireExecution, runApp } from '../../domain/jobs/run.js';
import { BulkRunRequest, Job, RunRequest } from '../../schemas/jobs.js';
import { Offset, PositiveInt } from '../../schemas/common.js';
import type { Job as StoredJob } from '../../domain/jobs/job.js';
import { onJob } from '../access.js';
import { signedIn } from '../authorize.js';
import { Reply, route, type Granted } from '../route.js';

const tag = 'Jobs';
const IdParams = Type.Object({ id: PositiveInt });
const job = (g: Granted) => g.job!;

export async function describeJob(ctx: Context, j: StoredJob): Promise<Job> {
  const user = await ctx.store.findUserById(j.userId);
  const retriedBy = (await ctx.store.findRetryOf(j.id))?.id ?? null;
  const common = {
    id: j.id, app: j.appId, version: j.appVersion, user: user?.name ?? 'unknown', wsid: j.wsid, scheduler: j.scheduler,
    params: j.params, inputs: j.inputs, attempt: j.attempt, retryOf: j.retryOf, retriedBy, createdAt: j.createdAt,
  };
  switch (j.state) {
    case 'created':
      return { ...common, state: j.state };
    case 'queued':
      return { ...common, state: j.state, schedulerId: j.schedulerId, queueReason: j.queueReason, queuePosition: j.queuePosition };
    case 'running':
      return { ...common, state: j.state, schedulerId: j.schedulerId, node: j.node, startedAt: j.startedAt };
    default: {
      const ended = { schedulerId: j.schedulerId, node: j.node, startedAt: j.startedAt, endedAt: j.endedAt };
      if (j.state === 'completed') return { ...common, state: j.state, ...ended, outputs: j.outputs };
      if (j.state === 'failed') return { ...common, state: j.state, ...ended, failure: j.failure };
      return { ...common, state: j.state, ...ended };
    }
  }
}

export const jobRoutes = [
  route({
    method: 'post', path: '/jobs', tag, summary: 'Run an app version on objects: outputs go to the workspace `ws` (write access); inputs need read access',
    body: RunRequest, response: { status: 201, schema: Job },
    access: ({ body }) => ({ kind: 'workspace', level: 'write', workspace: body.ws }),
    async handle({ body }, g, ctx) {
      const { job: created, created: isNew } = await runApp(ctx, signedIn(g), g.ws!, body);
      const described = await describeJob(ctx, created);
      return isNew ? described : new Reply(200, described);
    },
  }),
  route({
    method: 'post', path: '/jobs/bulk', tag, summary: 'Run an app over many objects: one job each, submitted as one scheduler array (a Slurm job array)',
    body: BulkRunRequest, response: { status: 201, schema: Type.Object({ jobs: Type.Array(Job) }) },
    access: ({ body }) => ({ kind: 'workspace', level: 'write', workspace: body.ws }),
    async handle({ body }, g, ctx) {
      const jobs = await runBulk(ctx, signedIn(g), g.ws!, body);
      return { jobs: await Promise.all(jobs.map((j) => describeJob(ctx, j))) };
    },
  }),
  route({
    method: 'get', path: '/jobs/{id}', tag, summary: 'A job: state, failure reason, queue reason and position, node, outputs', params: IdParams, response: { status: 200, schema: Job },
    access: onJob('read'),
    handle: async (_i, g, ctx) => describeJob(ctx, job(g)),
  }),
  route({
    method: 'get', path: '/jobs/{id}/events', tag, summary: 'State changes in order, after a sequence number (for resuming a stream without duplicates)',
    params: IdParams, query: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1, default: 0, description: 'a sequence number: one counter across all jobs' })) }, { additionalProperties: false }),
    response: { status: 200, schema: Type.Array(Type.Object({ seq: Type.Integer(), at: Type.String(), event: Type.Unknown() })) },
    access: onJob('read'),
    handle: async ({ query }, g, ctx) => ctx.store.jobEvents(job(g).id, query.after ?? 0),
  }),
  route({
    method: 'get', path: '/jobs/{id}/log', tag, summary: 'Log lines (stdout, stderr, system) from line `after` on',
    params: IdParams, query: Type.Object({ after: Type.Optional(Offset) }, { additionalProperties: false }),
    response: { status: 200, schema: Type.Object({ lines: Type.Array(Type.Object({ n: Type.Integer(), t: Type.String(), stream: Type.String(), text: Type.String() })), next: Type.Integer() }) },
    access: onJob('read'),
    // Complete lines only: a line still being written is sent once its newline is.
    handle: async ({ query }, g, ctx) => readLog(jobDirOf(requireExecution(ctx), job(g).id), query.after ?? 0),
  }),
  route({
    method: 'post', path: '/jobs/{id}/cancel', tag, summary: 'Cancel: the container is stopped and the job ends cancelled', params: IdParams, response: { status: 200, schema: Job },
    access: onJob('write'),
    handle: async (_i, g, ctx) => describeJob(ctx, await cancelJob(ctx, job(g))),
  }),
  route({
    method: 'post', path: '/jobs/{id}/retry', tag, summary: 'Run an ended job again as a new job (same app version, params and resolved inputs)', params: IdParams, response: { status: 201, schema: Job },
    access: onJob('write'),
    handle: async (_i, g, ctx) => describeJob(ctx, await retryJob(ctx, signedIn(g), job(g))),
  }),
];
