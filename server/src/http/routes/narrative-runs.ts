import { Type } from '@sinclair/typebox';
import { describeRun, runAll, update, updatePlan } from '../../domain/narrative-runs/narrative-runs.js';
import { PositiveInt } from '../../schemas/common.js';
import { NarrativeRun, RunAllRequest, UpdatePlan } from '../../schemas/narrative-runs.js';
import { onNarrative } from '../access.js';
import { signedIn } from '../authorize.js';
import { Reply, route, type Granted } from '../route.js';

const tag = 'Narrative runs';
const IdParams = Type.Object({ id: PositiveInt });
const loaded = (g: Granted) => g.narrative!;

export const narrativeRunRoutes = [
  route({
    method: 'post', path: '/narratives/{id}/run-all', tag,
    summary: "Run every app cell of the latest saved notebook as one graph: a cell's input that is an earlier cell's output waits for and takes that cell's new output (Slurm afterok)",
    params: IdParams, body: RunAllRequest, response: { status: 201, schema: NarrativeRun },
    access: onNarrative('write'),
    handle: async ({ body }, g, ctx) => runAll(ctx, signedIn(g), loaded(g), body.verify ?? false),
  }),
  route({
    method: 'get', path: '/narratives/{id}/update-plan', tag, summary: 'Which app cells an update would re-run (newer input versions, or an upstream cell that re-runs), and why; runs nothing',
    params: IdParams, response: { status: 200, schema: UpdatePlan },
    access: onNarrative('write'),
    handle: async (_i, g, ctx) => updatePlan(ctx, signedIn(g), loaded(g)),
  }),
  route({
    method: 'post', path: '/narratives/{id}/update', tag, summary: 'Re-run exactly the cells of the update plan and their dependants; 204 when everything is up to date',
    params: IdParams, response: { status: 201, schema: NarrativeRun, alsoEmpty: { status: 204, description: 'every app cell is up to date: nothing ran' } },
    access: onNarrative('write'),
    async handle(_i, g, ctx) {
      const run = await update(ctx, signedIn(g), loaded(g));
      return run ?? new Reply(204, undefined);
    },
  }),
  route({
    method: 'get', path: '/narratives/{id}/runs/{run}', tag, summary: 'A run of the narrative: each step with its job, and the progress of the whole',
    params: Type.Object({ id: PositiveInt, run: PositiveInt }), response: { status: 200, schema: NarrativeRun },
    access: onNarrative('read'),
    handle: async ({ params }, g, ctx) => describeRun(ctx, loaded(g), params.run),
  }),
];
