import type { Context } from '../context.js';
import { describeFailure } from '../jobs/dependants.js';
import { endedAtOf, startedAtOf, type Job } from '../jobs/job.js';
import { atLeast, levelOf, type Caller } from '../permissions.js';
import { formatRef, keyOfRef } from '../refs.js';
import type { AppNode, RunNode, RunStatus, VersionNode } from './run-graph.js';

/**
 * The pieces of a run graph read from the store, each behind the same rule
 * as its own endpoint: a job as GET /jobs/{id} shows it (read access to the
 * workspace it saves to), a version as GET /objects shows it.
 */
export async function readableJob(ctx: Context, caller: Caller | null, id: number): Promise<Job | null> {
  const job = await ctx.store.getJob(id);
  const ws = job && (await ctx.store.getWorkspace(job.wsid));
  return job && ws && atLeast(await levelOf(ctx.store, caller, ws), 'read') ? job : null;
}

export async function appNode(ctx: Context, id: string, version: string): Promise<AppNode | null> {
  const app = await ctx.store.getApp(id, version);
  if (!app) return null;
  const { spec } = app;
  const image = spec.container.image;
  return {
    id,
    version,
    name: spec.name,
    description: spec.description,
    imageDigest: image.digest,
    imageFormat: 'format' in image ? image.format : 'stored',
    inputs: spec.inputs.map((i) => ({ name: i.name, description: i.description })),
    outputs: spec.outputs.map((o) => ({ name: o.name, description: o.description })),
    params: Object.entries(spec.params.properties).map(([name, schema]) => {
      const s = (schema ?? {}) as { type?: unknown; description?: unknown };
      return { name, type: typeof s.type === 'string' ? s.type : null, description: typeof s.description === 'string' ? s.description : '' };
    }),
  };
}

/** An app version the catalog does not have (a hand-edited cell, a record from elsewhere): named by what is known of it. */
export function unknownApp(id: string, version: string, imageDigest: string): AppNode {
  return { id, version, name: id, description: '', imageDigest, imageFormat: 'stored', inputs: [], outputs: [], params: [] };
}

export async function runOf(ctx: Context, job: Job): Promise<RunNode> {
  const outputs = [...(await ctx.store.jobOutputs(job.id))].map(([name, key]) => ({ name, ref: formatRef(key) }));
  const first = outputs[0] && (await ctx.store.getVersion(keyOfRef(outputs[0].ref)));
  // A verified re-run that found its outputs identical keeps the original versions, whose record is the original job's.
  const recorded = first?.provenance.app?.jobId === job.id ? first.provenance.app : undefined;
  const app = (await appNode(ctx, job.appId, job.appVersion)) ?? unknownApp(job.appId, job.appVersion, recorded?.imageDigest ?? '');
  return {
    jobId: job.id,
    app,
    user: (await ctx.store.findUserById(job.userId))?.name ?? 'unknown',
    params: job.params,
    inputs: job.inputs.filter((i) => i.resolved !== '').map((i) => ({ name: i.name, ref: i.resolved })),
    outputs,
    ...statusOf(job),
    startedAt: recorded?.startedAt ?? startedAtOf(job),
    endedAt: recorded?.endedAt ?? endedAtOf(job),
    imageDigest: recorded?.imageDigest ?? app.imageDigest,
    environment: recorded?.environment ?? {},
  };
}

function statusOf(job: Job): { status: RunStatus; error: string | null } {
  switch (job.state) {
    case 'completed':
      return { status: 'completed', error: null };
    case 'failed':
      return { status: 'failed', error: describeFailure(job.failure) };
    case 'cancelled':
      return { status: 'cancelled', error: 'it was cancelled' };
    case 'created':
      return { status: 'potential', error: null };
    default:
      return { status: 'active', error: null };
  }
}

/** Versions by reference; those in workspaces the caller cannot read keep only their reference. */
export async function versionNodes(ctx: Context, caller: Caller | null, refs: Iterable<string>): Promise<Map<string, VersionNode>> {
  const readable = new Map<number, boolean>();
  const nodes = new Map<string, VersionNode>();
  for (const ref of refs) {
    if (nodes.has(ref)) continue;
    const key = keyOfRef(ref);
    if (!readable.has(key.wsid)) {
      const ws = await ctx.store.getWorkspace(key.wsid);
      readable.set(key.wsid, ws !== undefined && atLeast(await levelOf(ctx.store, caller, ws), 'read'));
    }
    nodes.set(ref, { ref, record: readable.get(key.wsid) ? ((await ctx.store.getVersion(key)) ?? null) : null });
  }
  return nodes;
}

/** Every version the runs read or made. */
export function refsOfRuns(runs: (RunNode | null)[]): string[] {
  return runs.flatMap((r) => (r ? [...r.inputs, ...r.outputs].map((io) => io.ref) : []));
}
