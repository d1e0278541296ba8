import { Type, type Static } from '@sinclair/typebox';
import { Job } from './jobs.js';

export const RunAllRequest = Type.Object(
  { verify: Type.Optional(Type.Boolean({ default: false, description: "compare each cell's outputs with those of its last completed run" })) },
  { additionalProperties: false },
);
export type RunAllRequest = Static<typeof RunAllRequest>;

/** One app cell of the plan: why it runs, and which earlier cells it takes inputs from. */
export const PlannedCell = Type.Object({
  cell: Type.String({ description: "the cell's nbformat id" }),
  position: Type.Integer({ minimum: 1, description: 'its place among the app cells, from 1' }),
  app: Type.String(),
  version: Type.String(),
  reasons: Type.Array(Type.String()),
  /** Input name → the cell (id) whose new output it takes. */
  wired: Type.Record(Type.String(), Type.Object({ cell: Type.String(), output: Type.String() })),
  /** Input name → the newer version it runs on (an update). */
  newer: Type.Record(Type.String(), Type.String()),
});

export const UpdatePlan = Type.Object({
  narrative: Type.Integer(),
  narrativeVersion: Type.Integer(),
  cells: Type.Array(PlannedCell, { description: 'the cells an update re-runs, in order; empty when everything is up to date' }),
});
export type UpdatePlan = Static<typeof UpdatePlan>;

/**
 * A narrative's app cells run together: each step a job, submitted as one
 * graph, with progress over the whole.
 */
export const NarrativeRun = Type.Object({
  id: Type.Integer(),
  narrative: Type.Integer(),
  narrativeVersion: Type.Integer(),
  kind: Type.Union([Type.Literal('run-all'), Type.Literal('update')]),
  verify: Type.Boolean(),
  user: Type.String(),
  createdAt: Type.String(),
  steps: Type.Array(Type.Object({
    cell: Type.Union([Type.String(), Type.Null()]),
    job: Job,
    /** The jobs of earlier steps it waits for (their outputs are its inputs). */
    after: Type.Array(Type.Integer()),
  })),
  progress: Type.Object({
    total: Type.Integer(),
    ended: Type.Integer(),
    completed: Type.Integer(),
    failed: Type.Integer(),
    cancelled: Type.Integer(),
    running: Type.Integer(),
  }),
  state: Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')], { description: 'completed: every step did; failed: every step ended and one did not complete' }),
});
export type NarrativeRun = Static<typeof NarrativeRun>;
