import { isDeepStrictEqual } from 'node:util';
import type { JobResult } from '@narrative/launcher-native';
import type { DiffedJob, JobDiff } from '../../schemas/job-diff.js';
import type { AppRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import { diffOutputFiles, outputFilesOf } from './diff-outputs.js';
import { diffPackages, packagesOf } from './diff-packages.js';
import { endedAtOf, nodeOf, startedAtOf, type Job } from './job.js';

/**
 * What differs between two runs the caller may read (authorize checked both):
 * every property side by side with whether it is the same. The launcher,
 * wrapper, exit code and times come from what the job wrapper reported, so a
 * run that has not ended has none of them yet; only a completed run has output files.
 */
export async function diffJobs(ctx: Context, a: Job, b: Job): Promise<JobDiff> {
  const [appA, appB] = await Promise.all([ctx.store.getApp(a.appId, a.appVersion), ctx.store.getApp(b.appId, b.appVersion)]);
  const [imageA, imageB] = [imageOf(appA), imageOf(appB)];
  const [packagesA, packagesB, filesA, filesB] = await Promise.all([packagesOf(ctx, imageA), packagesOf(ctx, imageB), outputFilesOf(ctx, a), outputFilesOf(ctx, b)]);
  const [resultA, resultB] = [resultOf(a), resultOf(b)];
  const files = diffOutputFiles(filesA, filesB);
  const params = names(a.params, b.params).map((name) => ({
    name,
    same: Object.hasOwn(a.params, name) && Object.hasOwn(b.params, name) && isDeepStrictEqual(a.params[name], b.params[name]),
    ...(Object.hasOwn(a.params, name) ? { a: a.params[name] } : {}),
    ...(Object.hasOwn(b.params, name) ? { b: b.params[name] } : {}),
  }));
  const inputs = names(Object.fromEntries(a.inputs.map((i) => [i.name, i])), Object.fromEntries(b.inputs.map((i) => [i.name, i]))).map((name) => {
    const [ia, ib] = [a.inputs.find((i) => i.name === name), b.inputs.find((i) => i.name === name)];
    // An input from an earlier step that was never saved has no resolved version yet.
    const resolved = compared(ia?.resolved || null, ib?.resolved || null);
    return { name, same: !!ia && !!ib && resolved.same, given: compared(ia?.given ?? null, ib?.given ?? null), resolved };
  });
  const resources = {
    cpus: compared(a.resources.cpus, b.resources.cpus),
    memoryMiB: compared(a.resources.memoryMiB, b.resources.memoryMiB),
    timeMinutes: compared(a.resources.timeMinutes, b.resources.timeMinutes),
    gpus: compared(a.resources.gpus, b.resources.gpus),
  };
  const imageDigest = compared(imageA?.digest ?? null, imageB?.digest ?? null);
  const diff: Omit<JobDiff, 'same'> = {
    a: await describe(ctx, a),
    b: await describe(ctx, b),
    state: compared(a.state, b.state),
    app: compared(a.appId, b.appId),
    version: compared(a.appVersion, b.appVersion),
    imageDigest,
    packages: diffPackages(packagesA, packagesB, imageDigest.same && imageDigest.a !== null),
    params: { same: params.every((p) => p.same), items: params },
    inputs: { same: inputs.every((i) => i.same), items: inputs },
    runtime: compared(resultA?.runtime ?? null, resultB?.runtime ?? null),
    wrapper: compared(resultA?.wrapper?.version ?? null, resultB?.wrapper?.version ?? null),
    node: compared(nodeOf(a), nodeOf(b)),
    resources: { same: Object.values(resources).every((r) => r.same), ...resources },
    exitCode: compared(resultA?.exitCode ?? null, resultB?.exitCode ?? null),
    durationSeconds: compared(durationOf(a), durationOf(b)),
    outputs: { same: files.every((f) => f.same), files },
  };
  // The job ids and the time each run took are not what a run is: two runs of one thing differ in those alone.
  const { a: _a, b: _b, durationSeconds: _duration, ...compareds } = diff;
  return { ...diff, same: Object.values(compareds).every((c) => c.same) };
}

function compared<T>(a: T, b: T): { same: boolean; a: T; b: T } {
  return { same: isDeepStrictEqual(a, b), a, b };
}

/** Every key of either record, sorted. */
function names(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

function imageOf(app: AppRecord | undefined) {
  return app?.spec.container.image ?? null;
}

function resultOf(job: Job): JobResult | null {
  return job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled' ? job.result : null;
}

/** Seconds on the node, from the wrapper's own clock when it reported; else from the times the server recorded. */
function durationOf(job: Job): number | null {
  const result = resultOf(job);
  const [start, end] = result ? [result.startedAt, result.endedAt] : [startedAtOf(job), endedAtOf(job)];
  if (!start || !end) return null;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

async function describe(ctx: Context, job: Job): Promise<DiffedJob> {
  const user = await ctx.store.findUserById(job.userId);
  return { id: job.id, app: job.appId, version: job.appVersion, state: job.state, user: user?.name ?? 'unknown', createdAt: job.createdAt };
}
