import { Problem, forbidden } from '../errors.js';
import type { NarrativeRecord, VersionKey, WorkspaceRecord } from '../store/store.js';
import { inTransaction, type Context } from './context.js';
import { createNarrative, loadNarrative, readNotebook, saveNotebook, type LoadedNarrative } from './narratives.js';
import { NARRATIVE_OBJECT, type Notebook } from './notebook.js';
import { copyObject } from './objects.js';
import { nameApart } from './origin-name.js';
import { atLeast, levelOf, type Caller } from './permissions.js';
import { findObject, findWorkspace, formatRef, parseRef, printable, versionOf, type GivenRef } from './refs.js';

/**
 * A narrative's copy depends on nothing of the original's: once the owner
 * unshares, the copier's re-runs must still read their inputs. So the copy
 * holds its own copy of every object version an app cell names (in the
 * narrative's workspace or in another the copier can read) besides the
 * latest version of each object of the narrative's workspace, and its cells
 * name those copies. The original's runs are not the copier's: a cell's job
 * is dropped, and the run stays named in the copied outputs' provenance.
 */

/** Where a reference sits in the notebook, for the message that refuses it. */
interface NamedRef {
  /** The cell's place in the notebook, from 0. */
  cell: number;
  /** `input <name>` or `output <n>`: which of the cell's `narrative.app` references it is. */
  field: string;
  given: string;
}

/** The version a reference names; `versioned` when the text gave the version, otherwise it means the latest. */
interface Resolved {
  ws: WorkspaceRecord;
  key: VersionKey;
  versioned: boolean;
}

/** One object to copy: from where, under which name in the copy, which versions (oldest first, so the latest stays latest). */
interface ObjectCopy {
  from: WorkspaceRecord;
  objid: number;
  name: string;
  vers: number[];
}

/**
 * Copies the narrative, its data and the data its app cells name into a new
 * narrative the caller owns, in one transaction: all of it or nothing. A
 * reference into a workspace the caller cannot read refuses the copy (403):
 * a copy that still reached into it would fail once its owner said no.
 */
export async function copyNarrativeWithData(ctx: Context, caller: Caller, source: LoadedNarrative, title: string): Promise<NarrativeRecord> {
  return inTransaction(ctx, async (tx) => {
    const { notebook } = await readNotebook(tx, source);
    const resolved = await resolveRefs(tx, caller, source, refsOf(notebook));
    const objects = await objectsToCopy(tx, source, [...resolved.values()]);
    // The first notebook version already drops the original's jobs; the second names the copies.
    const created = await createNarrative(tx, caller, title, rewritten(notebook, () => undefined), source.narrative.id);
    const copies = new Map<string, VersionKey>();
    for (const object of objects) {
      for (const ver of object.vers) {
        copies.set(formatRef({ wsid: object.from.id, objid: object.objid, ver }), await copyObject(tx, caller, object.from, String(object.objid), ver, String(created.wsid), object.name));
      }
    }
    const copyOf = (given: string): string | undefined => {
      const named = resolved.get(given);
      const copy = named && copies.get(formatRef(named.key));
      if (!named || !copy) return undefined;
      return named.versioned ? formatRef(copy) : `${copy.wsid}/${copy.objid}`;
    };
    await saveNotebook(tx, caller, await loadNarrative(tx, created.id), rewritten(notebook, copyOf));
    return (await tx.store.getNarrative(created.id))!;
  });
}

/**
 * Each distinct reference resolved to its version. One that names nothing
 * (not a reference, no such object or version) stays as it is: the copy
 * cannot hold what does not exist, and a run of the cell says what is wrong
 * as it would in the original. So does one naming the original's notebook.
 */
async function resolveRefs(ctx: Context, caller: Caller, source: LoadedNarrative, refs: NamedRef[]): Promise<Map<string, Resolved>> {
  const resolved = new Map<string, Resolved>();
  const readable = new Map<number, boolean>();
  for (const ref of refs) {
    if (resolved.has(ref.given)) continue;
    const given = orNull(() => parseRef(ref.given));
    const ws = given && (await orNullAsync(() => findWorkspace(ctx.store, given.workspace)));
    if (!given || !ws) continue;
    if (!readable.has(ws.id)) readable.set(ws.id, atLeast(await levelOf(ctx.store, caller, ws), 'read'));
    if (!readable.get(ws.id)) {
      throw forbidden(
        `Cell ${ref.cell + 1} names ${printable(ref.given)} (${printable(ref.field)}) in workspace ${ws.id}, which you cannot read. ` +
          `A copy holds its own copy of every object its app cells name, so nothing was copied: ask for read access to workspace ${ws.id}, or copy once the cell names another object.`,
      );
    }
    const key = await keyOf(ctx, ws, given);
    if (key && !(ws.id === source.ws.id && key.objid === source.narrative.objid)) resolved.set(ref.given, { ws, key, versioned: given.ver !== undefined });
  }
  return resolved;
}

async function keyOf(ctx: Context, ws: WorkspaceRecord, given: GivenRef): Promise<VersionKey | null> {
  return orNullAsync(async () => versionOf(await findObject(ctx.store, ws, given.object), given.ver));
}

/**
 * The narrative's objects (each at its latest version and every version a
 * cell names), then those of other workspaces the cells name, each under its
 * own name unless the copy already has that name.
 */
async function objectsToCopy(ctx: Context, source: LoadedNarrative, named: Resolved[]): Promise<ObjectCopy[]> {
  const objects = new Map<string, ObjectCopy>();
  const taken = new Set([NARRATIVE_OBJECT]);
  const listed = await ctx.store.listObjects(source.ws.id, { limit: Number.MAX_SAFE_INTEGER, offset: 0 });
  for (const latest of listed.items) {
    if (latest.objid === source.narrative.objid) continue;
    objects.set(`${latest.wsid}/${latest.objid}`, { from: source.ws, objid: latest.objid, name: latest.name, vers: [latest.ver] });
    taken.add(latest.name);
  }
  for (const { ws, key } of named) {
    const id = `${key.wsid}/${key.objid}`;
    let object = objects.get(id);
    if (!object) {
      const head = (await ctx.store.getObjectHead(key))!;
      object = { from: ws, objid: key.objid, name: nameApart(head.name, key, taken), vers: [] };
      objects.set(id, object);
      taken.add(object.name);
    }
    if (!object.vers.includes(key.ver)) object.vers.push(key.ver);
  }
  for (const object of objects.values()) object.vers.sort((a, b) => a - b);
  return [...objects.values()];
}

type AppMetadata = Record<string, unknown>;

/** The `narrative.app` metadata of a cell, or null for any other cell (the notebook is the user's: nothing else is read). */
function appOf(cell: unknown): AppMetadata | null {
  if (!isRecord(cell)) return null;
  const app = (cell['metadata'] as { narrative?: { app?: unknown } } | undefined)?.narrative?.app;
  return isRecord(app) ? app : null;
}

function cellsOf(notebook: Notebook): Record<string, unknown>[] {
  return Array.isArray(notebook.cells) ? notebook.cells : [];
}

/** Every reference the app cells name: their inputs, and the outputs the lab records of their last run. */
function refsOf(notebook: Notebook): NamedRef[] {
  return cellsOf(notebook).flatMap((cell, index) => {
    const app = appOf(cell);
    if (!app) return [];
    const inputs = isRecord(app['inputs']) ? Object.entries(app['inputs']).map(([name, given]) => ({ field: `input ${name}`, given })) : [];
    const outputs = Array.isArray(app['outputs']) ? app['outputs'].map((given: unknown, i) => ({ field: `output ${i + 1}`, given })) : [];
    return [...inputs, ...outputs].flatMap(({ field, given }) => (typeof given === 'string' ? [{ cell: index, field, given }] : []));
  });
}

/**
 * The notebook with each app cell naming `copyOf` its references (or what it
 * named, where `copyOf` has none), without the job of its last run, whose
 * state and cell id go with it: that run was the original owner's.
 */
function rewritten(notebook: Notebook, copyOf: (given: string) => string | undefined): Notebook {
  const swap = (value: unknown) => (typeof value === 'string' ? (copyOf(value) ?? value) : value);
  const cells = cellsOf(notebook).map((cell) => {
    const app = appOf(cell);
    if (!app) return cell;
    const { jobId: _job, state: _state, cellId: _cell, ...kept } = app;
    if (isRecord(kept['inputs'])) kept['inputs'] = Object.fromEntries(Object.entries(kept['inputs']).map(([name, given]) => [name, swap(given)]));
    if (Array.isArray(kept['outputs'])) kept['outputs'] = kept['outputs'].map(swap);
    const metadata = cell['metadata'] as { narrative: Record<string, unknown> } & Record<string, unknown>;
    return { ...cell, metadata: { ...metadata, narrative: { ...metadata.narrative, app: kept } } };
  });
  return { ...notebook, cells };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a lookup gives, or null where it refuses (a Problem): any other error is a fault, and is thrown. */
function orNull<T>(work: () => T): T | null {
  try {
    return work();
  } catch (error) {
    if (error instanceof Problem) return null;
    throw error;
  }
}

async function orNullAsync<T>(work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Problem) return null;
    throw error;
  }
}
