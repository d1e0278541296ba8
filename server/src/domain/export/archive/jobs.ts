import type { ArchivedJob } from '../../../schemas/archive.js';
import type { Context } from '../../context.js';
import type { CompletedJob } from '../../jobs/job.js';
import { formatRef } from '../../refs.js';
import type { RunGraph } from '../run-graph.js';

/**
 * The completed runs an archive carries: each cell's latest run and every
 * job that made a version the archive holds (a verified re-run keeps the
 * original's versions, made by the original). A job is carried only when
 * the archive holds everything it read and made and the app version it ran
 * (one a cell names), so an import can point it at restored versions and a
 * registered app and nothing else; one of another workspace than the
 * version it made (never written by this server) is left out.
 */
export async function archivedJobs(ctx: Context, graph: RunGraph, narrativeId: number): Promise<ArchivedJob[]> {
  const apps = new Set(graph.steps.map((s) => `${s.app.id}@${s.app.version}`));
  const candidates = new Map<number, number | null>();
  for (const step of graph.steps) if (step.run) candidates.set(step.run.jobId, null);
  for (const node of graph.versions.values()) {
    const jobId = node.record?.provenance.app?.jobId;
    if (jobId !== undefined && !candidates.has(jobId)) candidates.set(jobId, node.record!.wsid);
  }
  const jobs: ArchivedJob[] = [];
  for (const [id, madeIn] of candidates) {
    const job = await ctx.store.getJob(id);
    if (job?.state !== 'completed' || (madeIn !== null && job.wsid !== madeIn) || !apps.has(`${job.appId}@${job.appVersion}`)) continue;
    const outputs = [...(await ctx.store.jobOutputs(id))].map(([name, key]) => ({ name, ref: formatRef(key) }));
    const held = [...job.inputs.map((i) => i.resolved), ...outputs.map((o) => o.ref)].every((ref) => graph.versions.get(ref)?.record);
    if (held && outputs.length > 0) jobs.push(archived(job, outputs, narrativeId));
  }
  // A re-run names its original only when the original travels too.
  const carried = new Set(jobs.map((j) => j.id));
  return jobs.map((j) => (j.rerunOf !== null && !carried.has(j.rerunOf) ? { ...j, rerunOf: null } : j)).sort((a, b) => a.id - b.id);
}

function archived(job: CompletedJob, outputs: ArchivedJob['outputs'], narrativeId: number): ArchivedJob {
  return {
    id: job.id,
    app: job.appId,
    version: job.appVersion,
    cell: job.origin?.narrative === narrativeId ? job.origin.cell : null,
    rerunOf: job.rerun?.of ?? null,
    params: job.params,
    inputs: job.inputs.map((i) => ({ name: i.name, given: i.given, resolved: i.resolved })),
    outputs,
    resources: job.resources,
    attempt: job.attempt,
    scheduler: job.scheduler,
    schedulerId: job.schedulerId,
    node: job.node,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
  };
}
