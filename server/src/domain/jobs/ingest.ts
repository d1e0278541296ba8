import { formatRef, keyOfRef } from '../refs.js';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { declaredOutputs, InvalidJobFile, jobFolders, type DeclaredOutputs, type FailureReason, type JobResult } from '@narrative/launcher-native';
import { describeFailure, savedOutputs, tellDependants } from './dependants.js';
import { Problem } from '../../errors.js';
import type { AppRun, NarrativeOrigin } from '../../schemas/provenance.js';
import type { VerificationReport } from '../../schemas/verification.js';
import { determinismEnv } from './determinism.js';
import { resolveUpstream } from './upstream-inputs.js';
import { compareOutputs, verificationReport, type Compared } from './verify.js';
import { requireShallow } from '../../limits.js';
import { schedulerIdOf, type Job } from './job.js';
import { findApp } from '../apps.js';
import { inTransaction, type Context, type Execution } from '../context.js';
import { saveObject } from '../objects.js';
import { summarise } from '../summaries/summaries.js';
import type { ObjectSummary } from '../../schemas/api.js';
import { requireLevel } from '../permissions.js';
import { explainFailure, runTimesOf } from './failure-text.js';
import { jobDirOf } from './run.js';
import { recordTransition } from './transitions.js';

/**
 * Turns a finished wrapper's result into the job's end: the declared outputs
 * are checked against the app's outputs and their types, then saved together
 * with their provenance in one transaction — all of them, or none and the job
 * fails with the reason.
 */
export async function finishJob(ctx: Context, execution: Execution, job: Job, result: JobResult): Promise<void> {
  const ended = { at: result.endedAt, node: result.node, result };
  const failed = async (failure: FailureReason) => {
    if (await recordTransition(ctx, job, { type: 'failed', failure: explainFailure(failure, job.resources, result, runTimesOf(job, result, ctx.now())), ...ended })) {
      await tellDependants(execution, job, { refused: describeFailure(failure) }).catch(() => undefined);
    }
  };
  if (result.outcome === 'cancelled') return void (await recordTransition(ctx, job, { type: 'cancelled', ...ended }));
  if (result.outcome === 'timed-out') return void (await failed({ kind: 'walltime' }));
  if (result.outcome === 'out-of-memory') return void (await failed({ kind: 'out-of-memory' }));
  if (result.outcome === 'launcher-error') return void (await failed({ kind: 'launcher-error', detail: result.detail ?? 'the job wrapper failed' }));
  if (result.exitCode !== 0) return void (await failed({ kind: 'exit-code', code: result.exitCode ?? 1 }));
  if (result.detail) return void (await failed({ kind: 'invalid-outputs', detail: result.detail }));
  const upstream = await resolveUpstream(ctx, job);
  if ('waiting' in upstream) return;
  if ('failure' in upstream) return void (await failed(upstream.failure));
  try {
    await saveOutputs(ctx, execution, { ...job, inputs: upstream.inputs }, result, async (tx, outputs, verification) => {
      if (upstream.changed) await tx.store.setJobInputs(job.id, upstream.inputs);
      // In the save's transaction: if the job moved meanwhile (cancelled), its outputs are not saved either.
      if (!(await recordTransition(tx, job, { type: 'completed', outputs, ...ended, ...(verification ? { verification } : {}) }))) throw new JobMoved();
    });
  } catch (error) {
    if (error instanceof JobMoved) return;
    if (!(error instanceof Problem)) throw error;
    return void (await failed({ kind: 'invalid-outputs', detail: error.detail + (error.errors.length > 0 ? ` (${error.errors.map((e) => `${e.path} ${e.message}`).join('; ')})` : '') }));
  }
  // The job has completed whatever happens here: a failed write is made good by the next pass (tellWaitingDependants).
  await tellDependants(execution, job, await savedOutputs(ctx, job.id)).catch(() => undefined);
}

class JobMoved extends Error {}

type Complete = (tx: Context, refs: string[], verification: VerificationReport | null) => Promise<void>;

async function saveOutputs(ctx: Context, execution: Execution, job: Job, result: JobResult, complete: Complete): Promise<void> {
  const app = await findApp(ctx, job.appId, job.appVersion);
  const declared = checkedDeclaration(result.declared);
  const owner = await ctx.store.findUserById(job.userId);
  const caller = { id: job.userId, name: owner!.name, role: owner!.role };
  const ws = (await ctx.store.getWorkspace(job.wsid))!;
  // The workspace may have been published, or the user's access taken away, while the job ran.
  await requireLevel(ctx.store, caller, ws, 'write');
  const { outDir } = jobFolders(jobDirOf(execution, job.id));
  const hashed = new Map(result.outputs.map((o) => [o.path, o]));
  // Blobs first (content-addressed, harmless if the save below is refused); rows only in the transaction.
  const blobs = new Map<string, { sha256: string; size: number }>();
  for (const output of declared.outputs) {
    // Checked before any schema walks it: an app's output is input like any other.
    requireShallow(output.data, ctx.limits.jsonDepth, `The data of output ${String(output.name).slice(0, 80)}`);
    for (const path of output.files ?? []) {
      const listed = hashed.get(path);
      if (!listed) throw invalid(`output ${output.name} names the file ${path}, which is not in /out`);
      const blob = await ctx.blobs.put(createReadStream(join(outDir, path)), Number.MAX_SAFE_INTEGER);
      if (blob.sha256 !== listed.sha256) throw invalid(`/out/${path} changed after the app ended`);
      blobs.set(path, blob);
    }
  }
  const verified = job.rerun?.verify ? await verifiedAgainst(ctx, job, job.rerun.of, declared, result, (name) => app.spec.outputs.find((o) => o.name === name)?.type) : null;
  const provenanceApp: AppRun = {
    id: app.id, version: app.version, imageDigest: app.spec.container.image.digest, runtime: result.runtime, ...(result.wrapper ? { wrapper: result.wrapper } : {}), injections: result.injections,
    params: job.params, jobId: job.id, scheduler: job.scheduler, schedulerId: schedulerIdOf(job), node: result.node,
    startedAt: result.startedAt, endedAt: result.endedAt, exitCode: result.exitCode, attempt: job.attempt,
    environment: determinismEnv(app), ...(job.rerun ? { rerunOf: job.rerun.of } : {}),
    // As the wrapper measured it; a result from before it did says nothing, and neither does the record.
    ...(result.usage ? { usage: result.usage } : {}),
  };
  const resolvedInputs = job.inputs.map((i) => ({ given: i.given, key: keyOfRef(i.resolved) }));
  // Summaries read every file: read here, not while the transaction below holds the database.
  const summaries = new Map<string, ObjectSummary | null>();
  for (const output of declared.outputs) {
    const type = app.spec.outputs.find((o) => o.name === output.name)?.type;
    if (type) summaries.set(output.name, await summarise(ctx.blobs, type, (output.files ?? []).flatMap((path) => blobs.get(path) ?? [])));
  }
  return inTransaction(ctx, async (tx) => {
    const refs: string[] = [];
    const saved = new Map<string, string>();
    const seen = new Set<string>();
    for (const output of declared.outputs) {
      const spec = app.spec.outputs.find((o) => o.name === output.name);
      if (!spec) throw invalid(`${app.id} declares no output ${output.name}`);
      if (output.type !== undefined && output.type !== spec.type) throw invalid(`output ${output.name} is declared as ${output.type}, but ${app.id} makes ${spec.type}`);
      if (seen.has(output.name)) throw invalid(`output ${output.name} is declared twice`);
      seen.add(output.name);
      const same = verified?.find((c) => c.name === output.name)?.reuse ?? null;
      const files = (output.files ?? []).map((path) => ({ name: path.split('/').pop()!, sha256: blobs.get(path)!.sha256 }));
      for (const path of output.files ?? []) await tx.store.recordBlob({ ...blobs.get(path)!, uploadedBy: job.userId, at: ctx.now() });
      // Identical to the original's version: no duplicate is saved; the original gains a verification.
      if (same) await tx.store.recordVerification(same, job.id, ctx.now());
      const key = same ?? (await saveObject(tx, caller, ws, { name: `${output.name}-job${job.id}`, type: spec.type, data: output.data ?? {}, files }, { kind: 'app', resolvedInputs, app: provenanceApp, ...narrativeOf(job), summary: summaries.get(output.name) ?? null }));
      // Unique on job, attempt and output: when another reconciler (process, pass or retry) saved them first, this whole save is undone and theirs stands.
      if (!(await tx.store.claimJobOutput(job.id, job.attempt, output.name, key))) throw new JobMoved();
      refs.push(formatRef(key));
      saved.set(output.name, refs.at(-1)!);
    }
    const missing = app.spec.outputs.filter((o) => !seen.has(o.name)).map((o) => o.name);
    if (missing.length > 0) throw invalid(`outputs.json lacks the output(s) ${missing.join(', ')}`);
    await complete(tx, refs, verified && job.rerun ? verificationReport(job.rerun.of, app.spec.deterministic !== false, verified, saved) : null);
  });
}

/** The re-run's outputs compared with those of the job it re-runs (which must have completed). */
async function verifiedAgainst(ctx: Context, job: Job, originalId: number, declared: DeclaredOutputs, result: JobResult, typeOf: (name: string) => string | undefined): Promise<Compared[]> {
  const original = await ctx.store.getJob(originalId);
  if (!original) throw invalid(`job ${originalId}, which this job re-runs to verify, no longer exists`);
  // Only against a job of the same workspace: a report names the original's files and shows lines of them.
  if (original.wsid !== job.wsid) throw invalid(`job ${originalId} saved to another workspace than this re-run of it`);
  return compareOutputs(ctx, original, declared, result, typeOf);
}

/** The app's declaration, in the shape job-dir's schema gives it (the wrapper checked it too, but older results were not). */
function checkedDeclaration(declared: unknown): DeclaredOutputs {
  try {
    return declaredOutputs(declared);
  } catch (error) {
    if (error instanceof InvalidJobFile) throw invalid(error.message);
    throw error;
  }
}

function invalid(detail: string): Problem {
  return new Problem(422, 'Invalid outputs', detail);
}

/** The narrative and cell the run was started from, as provenance records them. */
function narrativeOf(job: Job): { narrative?: NarrativeOrigin } {
  const origin = job.origin;
  if (!origin) return {};
  return { narrative: { id: origin.narrative, ...(origin.narrativeVersion === null ? {} : { version: origin.narrativeVersion }), ...(origin.cell === null ? {} : { cell: origin.cell }) } };
}
