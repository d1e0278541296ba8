import { invalidContent } from '../../errors.js';
import type { ArchiveIndex, ArchivedJob } from '../../schemas/archive.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { keyOfRef } from '../refs.js';

/** A time as this server writes every time (UTC, milliseconds, `Z`), whatever zone the archive's writer used: listings compare them as text. */
const utc = (time: string) => new Date(time).toISOString();

/** Original job id → the id of its restored record here. */
export type RestoredJobs = Map<number, number>;

const refuse = (detail: string) => invalidContent(`The archive was refused, and nothing was imported: ${detail}`, [{ path: '/archive.json/jobs', message: detail }]);

/**
 * The archive's runs, checked before anything is written: ids unique, each
 * run's app one the archive carries (so the import registers it or finds it
 * registered), and everything it read and made a version the archive holds.
 */
export function checkArchivedJobs(index: ArchiveIndex): ArchivedJob[] {
  const jobs = index.jobs ?? [];
  const versions = new Set(index.versions.map((v) => v.ref));
  const apps = new Set(index.apps.map((a) => `${a.id}@${a.version}`));
  const ids = new Set<number>();
  for (const job of jobs) {
    if (ids.has(job.id)) throw refuse(`the run ${job.id} is in it twice`);
    ids.add(job.id);
    if (!apps.has(`${job.app}@${job.version}`)) throw refuse(`the run ${job.id} ran ${job.app}@${job.version}, an app the archive does not carry`);
    const outputs = new Set(job.outputs.map((o) => o.name));
    if (outputs.size !== job.outputs.length) throw refuse(`the run ${job.id} names an output twice`);
    const missing = [...job.inputs.map((i) => i.resolved), ...job.outputs.map((o) => o.ref)].find((ref) => !versions.has(ref));
    if (missing) throw refuse(`the run ${job.id} names the version ${missing}, which the archive does not hold`);
  }
  return jobs;
}

/**
 * Records each archived run as a job of the imported narrative, before its
 * outputs are restored so that their provenance can name it. It is the
 * importer's, in the new workspace, from the cell it ran in; it stays
 * `created` until `completeRestoredJobs` fills in what it read and made.
 * Runs come oldest first, so a re-run's original is restored before it.
 * `ctx` is the import's transaction.
 */
export async function createRestoredJobs(ctx: Context, caller: Caller, wsid: number, narrative: number, jobs: ArchivedJob[]): Promise<RestoredJobs> {
  const ids: RestoredJobs = new Map();
  for (const job of [...jobs].sort((a, b) => a.id - b.id)) {
    const original = job.rerunOf === null ? undefined : ids.get(job.rerunOf);
    const id = await ctx.store.createJob({
      appId: job.app, appVersion: job.version, userId: caller.id, wsid, clientRequestId: null, params: job.params,
      inputs: [], resources: job.resources, scheduler: job.scheduler, attempt: job.attempt, retryOf: null, createdAt: utc(job.createdAt),
      origin: job.cell === null ? null : { narrative, narrativeVersion: null, cell: job.cell },
      rerun: original === undefined ? null : { of: original, verify: true },
    });
    await ctx.store.appendJobEvent(id, ctx.now(), { type: 'imported', from: job.id });
    ids.set(job.id, id);
  }
  return ids;
}

/**
 * Completes each restored job as it ended where it ran: its inputs and
 * outputs pointing at the restored versions. Not a run's transition (it
 * never ran here): the record of one that ended elsewhere, written whole.
 */
export async function completeRestoredJobs(ctx: Context, jobs: ArchivedJob[], ids: RestoredJobs, restored: Map<string, string>): Promise<void> {
  // checkArchivedJobs saw every ref among the archive's versions, and each of those was restored.
  const here = (ref: string) => restored.get(ref)!;
  for (const job of jobs) {
    const id = ids.get(job.id)!;
    await ctx.store.setJobInputs(id, job.inputs.map((i) => ({ name: i.name, given: restored.get(i.given) ?? i.given, resolved: here(i.resolved) })));
    const outputs = job.outputs.map((o) => ({ name: o.name, ref: here(o.ref) }));
    for (const o of outputs) {
      if (!(await ctx.store.claimJobOutput(id, job.attempt, o.name, keyOfRef(o.ref)))) throw new Error(`the restored job ${id} already had an output ${o.name}`);
    }
    const completed = await ctx.store.updateJob(id, 'created', {
      state: 'completed', schedulerId: job.schedulerId, node: job.node, startedAt: job.startedAt === null ? null : utc(job.startedAt), endedAt: utc(job.endedAt),
      result: null, outputs: outputs.map((o) => o.ref), verification: null,
    });
    if (!completed) throw new Error(`the restored job ${id} was moved by another writer before it was completed`);
  }
}
