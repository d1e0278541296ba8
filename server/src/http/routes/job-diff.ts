import { Type } from '@sinclair/typebox';
import { diffJobs } from '../../domain/jobs/diff.js';
import { PositiveInt } from '../../schemas/common.js';
import { JobDiff } from '../../schemas/job-diff.js';
import { route, type Granted } from '../route.js';

const DiffParams = Type.Object({ id: PositiveInt, other: PositiveInt });

/** The two jobs authorize granted, in the order the path names them. */
function pair(g: Granted) {
  const [a, b] = g.jobs ?? [];
  if (!a || !b) throw new Error('route declared no access to two jobs');
  return [a, b] as const;
}

export const jobDiffRoutes = [
  route({
    method: 'get', path: '/jobs/{id}/diff/{other}', tag: 'Jobs',
    summary: 'What differs between two runs (read access to both): app version, image and its Debian packages, params, inputs, launcher, node, resources, exit, duration, and each output file',
    params: DiffParams, response: { status: 200, schema: JobDiff },
    access: ({ params }) => ({ kind: 'jobs', level: 'read', jobs: [params.id, params.other] }),
    handle: async (_i, g, ctx) => diffJobs(ctx, ...pair(g)),
  }),
];
