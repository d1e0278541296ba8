import { randomBytes } from 'node:crypto';
import { narrativePath } from '../contents/paths.js';
import { notFound } from '../errors.js';
import { newNarrativeKernelspec } from '../kernels/kernel-images.js';
import type { Narrative } from '../schemas/api.js';
import type { NarrativeRecord, VersionKey, VersionRecord, WorkspaceRecord } from '../store/store.js';
import { inTransaction, type Context } from './context.js';
import { NARRATIVE_OBJECT, NARRATIVE_TYPE, emptyNotebook, stamped, type Notebook } from './notebook.js';
import { copyNarrativeWithData } from './narrative-copy.js';
import { saveObject } from './objects.js';
import { levelOf, type Caller } from './permissions.js';
import { createWorkspace } from './workspaces.js';

/**
 * Narratives: a notebook stored as the object `narrative` in a workspace of
 * its own, so sharing the narrative shares its data.
 */
export interface LoadedNarrative {
  narrative: NarrativeRecord;
  ws: WorkspaceRecord;
}

export async function loadNarrative(ctx: Context, id: number): Promise<LoadedNarrative> {
  const narrative = await ctx.store.getNarrative(id);
  const ws = narrative && (await ctx.store.getWorkspace(narrative.wsid));
  if (!narrative || !ws) throw notFound(`There is no narrative ${id}.`);
  return { narrative, ws };
}

export async function createNarrative(ctx: Context, caller: Caller, title: string, notebook?: Notebook, copiedFrom: number | null = null): Promise<NarrativeRecord> {
  return inTransaction(ctx, async (tx) => {
    const ws = await createWorkspace(tx, caller, `narrative.${caller.name}.${randomBytes(6).toString('hex')}`);
    // The notebook is the first object of a new workspace, so its objid is 1; the stamp needs the narrative id first.
    const id = await tx.store.createNarrative({ wsid: ws.id, objid: 1, title, createdAt: ctx.now(), copiedFrom });
    const stamp = { id, title, wsid: ws.id };
    const saved = await saveNotebookVersion(tx, caller, ws, id, notebook ? stamped(notebook, stamp) : emptyNotebook(stamp, await newNarrativeKernelspec(tx)));
    if (saved.objid !== 1) throw new Error(`narrative ${id}: notebook saved as object ${saved.objid}, expected 1`);
    return (await tx.store.getNarrative(id))!;
  });
}

export async function readNotebook(ctx: Context, { narrative }: LoadedNarrative, ver?: number): Promise<{ notebook: Notebook; version: VersionRecord }> {
  const head = await ctx.store.getObjectHead({ wsid: narrative.wsid, objid: narrative.objid });
  const version = head && (await ctx.store.getVersion({ wsid: narrative.wsid, objid: narrative.objid, ver: ver ?? head.latestVer }));
  if (!version) throw notFound(`Narrative ${narrative.id} has no version ${ver ?? 'at all'}.`);
  return { notebook: version.data as Notebook, version };
}

export async function saveNotebook(ctx: Context, caller: Caller, { narrative, ws }: LoadedNarrative, notebook: Notebook, expectVersion?: number): Promise<VersionKey> {
  return inTransaction(ctx, async (tx) => {
    const stamp = { id: narrative.id, title: narrative.title, wsid: ws.id };
    const saved = await saveNotebookVersion(tx, caller, ws, narrative.id, stamped(notebook, stamp), expectVersion);
    await tx.store.updateNarrative(narrative.id, { updatedAt: ctx.now() });
    return saved;
  });
}

function saveNotebookVersion(ctx: Context, caller: Caller, ws: WorkspaceRecord, id: number, notebook: Notebook, expectVersion?: number) {
  return saveObject(
    ctx,
    caller,
    ws,
    { name: NARRATIVE_OBJECT, type: NARRATIVE_TYPE, data: notebook, ...(expectVersion === undefined ? {} : { expectVersion }) },
    { kind: 'save', narrative: { id } },
  );
}

/** Renaming saves a new notebook version too, so the stamp inside the notebook stays true. */
export async function renameNarrative(ctx: Context, caller: Caller, loaded: LoadedNarrative, title: string): Promise<NarrativeRecord> {
  return inTransaction(ctx, async (tx) => {
    const renamed = { ...loaded, narrative: { ...loaded.narrative, title } };
    const { notebook } = await readNotebook(tx, renamed);
    // The save first, as every save does (the workspace's objects, then the narrative's row): in the other order a
    // rename and a save at the same moment would each wait for the other on PostgreSQL.
    await saveNotebook(tx, caller, renamed, notebook);
    await tx.store.updateNarrative(loaded.narrative.id, { title, updatedAt: ctx.now() });
    return (await tx.store.getNarrative(loaded.narrative.id))!;
  });
}

/**
 * A copy is a new narrative owned by the caller, with the notebook and its own copy of the data,
 * so that it runs without the original (./narrative-copy.ts).
 */
export function copyNarrative(ctx: Context, caller: Caller, source: LoadedNarrative, title?: string): Promise<NarrativeRecord> {
  return copyNarrativeWithData(ctx, caller, source, title ?? `Copy of ${source.narrative.title}`.slice(0, 200));
}

export async function deleteNarrative(ctx: Context, { narrative }: LoadedNarrative): Promise<void> {
  await ctx.store.deleteNarrative(narrative.id, ctx.now());
}

export async function describeNarrative(ctx: Context, caller: Caller | null, { narrative, ws }: LoadedNarrative): Promise<Narrative> {
  return {
    id: narrative.id,
    wsid: ws.id,
    objid: narrative.objid,
    ref: `${ws.id}/${narrative.objid}/${(await ctx.store.getObjectHead({ wsid: ws.id, objid: narrative.objid }))!.latestVer}`,
    title: narrative.title,
    owner: ws.ownerName,
    level: await levelOf(ctx.store, caller, ws),
    public: ws.isPublic,
    published: ws.publishedAt !== null,
    createdAt: narrative.createdAt,
    updatedAt: narrative.updatedAt,
    copiedFrom: narrative.copiedFrom,
    path: narrativePath(narrative.id, narrative.title),
    link: `/n/${narrative.id}`,
  };
}

export async function listNarratives(ctx: Context, caller: Caller): Promise<Narrative[]> {
  const out: Narrative[] = [];
  for (const narrative of await ctx.store.listNarrativesOf(caller.id)) {
    out.push(await describeNarrative(ctx, caller, await loadNarrative(ctx, narrative.id)));
  }
  return out;
}
