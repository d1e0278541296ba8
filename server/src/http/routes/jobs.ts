import { Type } from '@sinclair/typebox';
import { readLog } from '@narrative/launcher-native';
import { runBulk } from '../../domain/jobs/bulk.js';
import { cancelJob, retryJob } from '../../domain/jobs/control.js';
import { jobDirOf, requireExecution, runApp } from '../../domain/jobs/run.js';
import { BulkRunRequest, Job, JobListQuery, JobLookup, JobLookupRequest, JobPage, RerunRequest, RunRequest } from '../../schemas/jobs.js';
import { listJobs } from '../../domain/jobs/list.js';
import { lookupJobs } from '../../domain/jobs/lookup.js';
import { rerunJob } from '../../domain/jobs/rerun.js';
import { Offset, PositiveInt } from '../../schemas/common.js';
import { describeJob, describeJobs } from '../../domain/jobs/describe.js';
import { onJob } from '../access.js';
import { signedIn } from '../authorize.js';
import { always, Reply, route, type Granted } from '../route.js';

const tag = 'Jobs';
const IdParams = Type.Object({ id: PositiveInt });
const job = (g: Granted) => g.job!;

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
      return { jobs: await describeJobs(ctx, jobs) };
    },
  }),
  route({
    method: 'get', path: '/jobs', tag,
    summary: 'My jobs, newest first, a page at a time (`next` is the cursor of the following page); filtered by state, app, narrative and cell, and time made',
    query: JobListQuery, response: { status: 200, schema: JobPage },
    // Only one's own jobs; naming another user takes the admin role.
    access: ({ query }) => (query.user === undefined ? always.user() : always.admin()),
    handle: async ({ query }, g, ctx) => listJobs(ctx, signedIn(g), query),
  }),
  route({
    method: 'post', path: '/jobs/lookup', tag,
    summary: "Many jobs at once (a narrative's app cells as it opens): each as GET /jobs/{id} describes it, the ids the caller cannot read as `missing`, the last log lines of ended jobs, and the caller's runs per cell of a narrative",
    body: JobLookupRequest, response: { status: 200, schema: JobLookup },
    // Never refused, signed out too: what the caller may not read (or what does not exist) is only missing.
    access: ({ body }) => ({ kind: 'readable-jobs', jobs: body.ids, narrative: body.cellRuns }),
    handle: async ({ body }, g, ctx) => lookupJobs(ctx, g.caller, g.readable!, { logTail: body.logTail ?? 0, narrative: g.narrative }),
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
  route({
    method: 'post', path: '/jobs/{id}/rerun', tag,
    summary: "Run an ended job again from its provenance (the exact app version, image, params and input versions); verifying compares every output with the original's, file by file",
    params: IdParams, body: RerunRequest, response: { status: 201, schema: Job },
    access: onJob('write'),
    handle: async ({ body }, g, ctx) => describeJob(ctx, await rerunJob(ctx, signedIn(g), job(g), body.verify ?? true)),
  }),
];
