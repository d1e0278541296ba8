import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { requireLevel } from '../permissions.js';
import { Problem } from '../../errors.js';
import type { VersionKey, VersionRecord } from '../../store/store.js';
import type { Job } from '../jobs/job.js';
import { findObject, findWorkspace, formatRef, keyOfRef, parseRef, versionOf } from '../refs.js';
import type { AppCell } from './app-cells.js';

/** An input of a step taken from an earlier step's new output. */
export interface Wire {
  cell: string;
  output: string;
}

/** A cell that runs, with where each of its inputs comes from, and why it runs. */
export interface Step {
  cell: AppCell;
  /** Input name → the earlier step whose output it takes. */
  wired: Record<string, Wire>;
  /** Input name → a newer version of the object the cell last ran on (an update). */
  newer: Record<string, string>;
  reasons: string[];
}

/**
 * Every app cell in order, each input that is an earlier cell's output
 * wired to that cell's new output: the whole narrative as one graph. An
 * input is a cell's output when its provenance says it was made in this
 * narrative (or one it was copied from) by that cell, by whichever run of it.
 */
export async function planRunAll(ctx: Context, caller: Caller, narratives: ReadonlySet<number>, cells: AppCell[]): Promise<Step[]> {
  const steps: Step[] = [];
  for (const cell of cells) {
    const wired: Record<string, Wire> = {};
    for (const [name, given] of Object.entries(cell.inputs)) {
      const made = await madeByCell(ctx, caller, narratives, given);
      const from = made && cells.find((c) => c.id === made.cell);
      if (from && from.position < cell.position) wired[name] = { cell: from.id, output: made.output };
    }
    steps.push({ cell, wired, newer: {}, reasons: [cell.jobId === null ? 'has not run yet' : 'runs again with the rest'] });
  }
  return steps;
}

/**
 * What an update re-runs (Renku's update): the cells whose inputs have newer
 * versions than their last completed run used, and every cell downstream of
 * one of those; each with the reason. The rest keep their outputs.
 */
export async function planUpdate(ctx: Context, caller: Caller, narratives: ReadonlySet<number>, wsid: number, cells: AppCell[]): Promise<Step[]> {
  const all = await planRunAll(ctx, caller, narratives, cells);
  const planned = new Map<string, Step>();
  for (const step of all) {
    const { cell } = step;
    const reasons: string[] = [];
    const newer: Record<string, string> = {};
    const last = await lastRunOf(ctx, wsid, cell);
    for (const input of last?.state === 'completed' ? last.inputs : []) {
      // Only an input the cell still names as it did: one pointed elsewhere since runs on what it names now.
      if (step.wired[input.name] || !input.resolved || cell.inputs[input.name] !== input.given) continue;
      const { wsid, objid, ver } = keyOfRef(input.resolved);
      const head = await ctx.store.getObjectHead({ wsid, objid });
      if (head && head.latestVer > ver) {
        newer[input.name] = formatRef({ wsid, objid, ver: head.latestVer });
        reasons.push(`input ${input.name}: ${input.resolved} has a newer version, ${newer[input.name]}`);
      }
    }
    const upstream = Object.entries(step.wired).filter(([, wire]) => planned.has(wire.cell));
    for (const [name, wire] of upstream) reasons.push(`input ${name} comes from cell ${planned.get(wire.cell)!.cell.position + 1}, which runs again`);
    if (reasons.length === 0) continue;
    // Only wires to planned steps stay: an input from a cell that does not run keeps the object it names.
    const wired = Object.fromEntries(upstream);
    planned.set(cell.id, { cell, wired, newer, reasons });
  }
  return [...planned.values()];
}

/** The cell of this narrative, and its output, that made the version a reference names; null for anything else (an upload, another narrative's object, a reference the caller cannot read: the run's own checks say why). */
async function madeByCell(ctx: Context, caller: Caller, narratives: ReadonlySet<number>, given: string): Promise<Wire | null> {
  let key: VersionKey;
  try {
    const ref = parseRef(given);
    const ws = await findWorkspace(ctx.store, ref.workspace);
    await requireLevel(ctx.store, caller, ws, 'read');
    key = versionOf(await findObject(ctx.store, ws, ref.object), ref.ver);
  } catch (error) {
    if (error instanceof Problem) return null;
    throw error;
  }
  const record = await ctx.store.getVersion(key);
  const provenance = record?.provenance;
  const cell = provenance?.narrative && narratives.has(provenance.narrative.id) ? provenance.narrative.cell : undefined;
  if (!record || !cell || !provenance?.app) return null;
  const { jobId } = provenance.app;
  const outputs = [...(await ctx.store.jobOutputs(jobId))];
  // A copy's cells name copies of what the run made: each copy names the version it repeats, whose provenance it keeps whole.
  for (let at: VersionRecord | undefined = record, steps = 0; at && steps < MAX_COPIES; steps++) {
    const output = outputs.find(([, k]) => formatRef(k) === formatRef(at!))?.[0];
    if (output) return { cell, output };
    at = at.copiedFrom === null ? undefined : await ctx.store.getVersion(keyOfRef(at.copiedFrom));
    if (at?.provenance.app?.jobId !== jobId) return null;
  }
  return null;
}

/** How many copies of a copy are followed back to the run that made the first. */
const MAX_COPIES = 100;

/**
 * The cell's last job, when it is one of this narrative's workspace: a
 * copied narrative's cells still name the original's jobs, which neither
 * plan nor verify may read.
 */
export async function lastRunOf(ctx: Context, wsid: number, cell: AppCell): Promise<Job | undefined> {
  const last = cell.jobId === null ? undefined : await ctx.store.getJob(cell.jobId);
  return last?.wsid === wsid ? last : undefined;
}
