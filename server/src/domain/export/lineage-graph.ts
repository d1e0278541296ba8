import type { VersionRecord, WorkspaceRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { findObject, formatRef, versionOf } from '../refs.js';
import { inDependencyOrder } from './order.js';
import type { CodeStepNode, RunGraph, RunNode } from './run-graph.js';
import { readableJob, refsOfRuns, runOf, versionNodes } from './runs.js';

/** As deep as GET /objects/{ws}/{obj}/lineage may walk. */
const LINEAGE_DEPTH = 100;

/**
 * An object version's lineage as a workflow: the jobs that made it and its
 * ancestors (known from each readable version's provenance) are the steps,
 * in an order where each comes after the runs whose outputs it read. The
 * workflow document is those steps written as JSON: there is no notebook
 * behind a lineage, but its steps say what would run again.
 */
export async function lineageGraph(ctx: Context, caller: Caller | null, ws: WorkspaceRecord, object: string, ver: number | undefined, base: string): Promise<RunGraph> {
  const root = versionOf(await findObject(ctx.store, ws, object), ver);
  const rootRef = formatRef(root);
  const links = await ctx.store.lineage(root, 'ancestors', LINEAGE_DEPTH);
  const lineage = await versionNodes(ctx, caller, [rootRef, ...links.flatMap((l) => [formatRef(l.parent), formatRef(l.child)])]);
  const jobIds = new Set([...lineage.values()].flatMap((v) => (v.record?.provenance.app ? [v.record.provenance.app.jobId] : [])));
  const runs: RunNode[] = [];
  for (const id of jobIds) {
    const job = await readableJob(ctx, caller, id);
    if (job) runs.push(await runOf(ctx, job));
  }
  const ordered = inDependencyOrder(runs.sort((a, b) => a.jobId - b.jobId), (run) => run);
  const steps = ordered.map((run, position) => ({ id: `job-${run.jobId}`, position, name: `Job ${run.jobId}: ${run.app.id}@${run.app.version}`, app: run.app, run }));
  const codeSteps = [...lineage.values()].flatMap((v) => (v.record ? codeStepOf(v.record) : []));
  const name = lineage.get(rootRef)?.record?.name ?? rootRef;
  return {
    slug: `object-${rootRef.replaceAll('/', '-')}-lineage`,
    title: `Lineage of ${name} (${rootRef})`,
    description: `How object version ${rootRef} was made: the ${steps.length} runs it and its ancestors came from, and every version they read or made.`,
    base,
    exportedAt: ctx.now(),
    workflow: { fileName: 'workflow.json', content: Buffer.from(`${JSON.stringify(stepsDocument(rootRef, ordered, codeSteps), null, 2)}\n`), language: 'steps', ref: null },
    steps,
    versions: new Map([...lineage, ...(await versionNodes(ctx, caller, refsOfRuns(ordered)))]),
    links: links.flatMap((l) => (l.relation === 'input' ? [] : [{ from: formatRef(l.parent), to: formatRef(l.child), relation: l.relation }])),
    codeSteps,
  };
}

/** A version a code cell saved, as a step: its inputs were recorded as its parents, so they are in the lineage too. */
function codeStepOf(record: VersionRecord): CodeStepNode[] {
  const { provenance: p } = record;
  // A copy or a revert repeats the version a cell saved: the step is that version's, not theirs.
  if (p.kind !== 'code' || !p.code || record.copiedFrom !== null || p.revertedFrom !== undefined) return [];
  return [{
    output: formatRef(record),
    user: p.user,
    at: p.at,
    narrative: p.narrative ? { id: p.narrative.id, version: p.narrative.version ?? null } : null,
    cell: p.code.cell,
    sourceSha256: p.code.sourceSha256,
    kernelImage: p.code.kernelImage,
    inputs: p.inputs.map((i) => i.resolved),
  }];
}

/** What would run again, step by step: the app version, its image, params, and which version each input and output is; then what code cells saved. */
function stepsDocument(root: string, runs: RunNode[], code: CodeStepNode[]) {
  return {
    object: root,
    code: code.map(({ user: _user, at: _at, ...step }) => step),
    steps: runs.map((r, position) => ({
      position,
      job: r.jobId,
      app: r.app.id,
      version: r.app.version,
      image: r.imageDigest,
      params: r.params,
      inputs: Object.fromEntries(r.inputs.map((i) => [i.name, i.ref])),
      outputs: Object.fromEntries(r.outputs.map((o) => [o.name, o.ref])),
    })),
  };
}
