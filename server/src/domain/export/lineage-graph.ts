import type { LineagePage, VersionKey, VersionRecord, WorkspaceRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { findObject, formatRef, versionOf } from '../refs.js';
import { inDependencyOrder } from './order.js';
import type { CodeStepNode, RunGraph, RunNode, VersionNode } from './run-graph.js';
import { readableJob, refsOfRuns, runOf, versionNodes } from './runs.js';

/** Versions read from the store at a time while walking a lineage: bounds each query's rows, not the graph. */
const LINEAGE_PAGE = 1000;

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
  const { lineage, links } = await ancestry(ctx, caller, root, rootRef);
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
    links,
    codeSteps,
  };
}

/**
 * Every ancestor of the root, however deep, page by page: the versions (the
 * root first, then in the store's order) and the links a run did not
 * already account for (an input is a run's, shown by the run). As the API's
 * lineage shows it: a version the caller may not read is kept, by its ref
 * only, where it ends a link from or to one they may read; links between two
 * such versions, and versions only those reach, are left out.
 */
async function ancestry(ctx: Context, caller: Caller | null, root: VersionKey, rootRef: string): Promise<{ lineage: Map<string, VersionNode>; links: RunGraph['links'] }> {
  const lineage = await versionNodes(ctx, caller, [rootRef]);
  const links: RunGraph['links'] = [];
  let after: VersionKey | null = null;
  do {
    const page: LineagePage = await ctx.store.lineagePage(root, { direction: 'ancestors', limit: LINEAGE_PAGE, ...(after ? { after } : {}) });
    const fresh = page.nodes.map((n) => n.ref).filter((ref) => !lineage.has(ref));
    for (const [ref, node] of await versionNodes(ctx, caller, fresh)) lineage.set(ref, node);
    for (const { from, to, relation } of page.links) if (relation !== 'input') links.push({ from, to, relation });
    after = page.next;
  } while (after);
  const readable = (ref: string) => lineage.get(ref)?.record != null;
  const shown = links.filter((l) => readable(l.from) || readable(l.to));
  const ends = new Set([rootRef, ...shown.flatMap((l) => [l.from, l.to])]);
  for (const ref of lineage.keys()) if (!readable(ref) && !ends.has(ref)) lineage.delete(ref);
  return { lineage, links: shown };
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
