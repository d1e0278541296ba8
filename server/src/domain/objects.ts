import type { Readable } from 'node:stream';
import { badRequest, conflict, notFound } from '../errors.js';
import type { ListObjectsQuery, ObjectInfo, ObjectPage, ObjectSummary, ObjectVersion, SaveObject } from '../schemas/api.js';
import type { AppRun, NarrativeOrigin, SourceFile } from '../schemas/provenance.js';
import { StaleVersionError, type FileRecord, type LinkRelation, type VersionKey, type VersionRecord, type WorkspaceRecord } from '../store/store.js';
import { codeOrigin, mergeInputs } from './code-provenance.js';
import { inTransaction, type Context } from './context.js';
import { NARRATIVE_OBJECT, NARRATIVE_TYPE } from './notebook.js';
import { requireLevel, type Caller } from './permissions.js';
import { findObject, findWorkspace, formatRef, parseRef, printable, versionOf } from './refs.js';
import { summarise } from './summaries/summaries.js';

/**
 * Typed, versioned objects. Callers have already been checked for the access
 * the route declares on `ws`; these functions check any other workspace they touch.
 */
export interface SaveOptions {
  kind: 'save' | 'upload' | 'app';
  sourceFiles?: SourceFile[];
  narrative?: NarrativeOrigin;
  /** Inputs a job resolved when it started: recorded as they were, not resolved again. */
  resolvedInputs?: { given: string; key: VersionKey }[];
  /** The app-run block of the provenance. */
  app?: AppRun;
  /**
   * The files' summary, computed already (see summaries/). Without it the save
   * computes it, before its transaction: a caller inside a transaction of its
   * own passes it, so no long read of the files holds the database.
   */
  summary?: ObjectSummary | null;
}

export async function saveObject(ctx: Context, caller: Caller, ws: WorkspaceRecord, input: SaveObject, options: SaveOptions): Promise<VersionKey> {
  const { wsid, objid, ver } = await saveObjectInfo(ctx, caller, ws, input, options);
  return { wsid, objid, ver };
}

/** Saves as `saveObject` does, and answers the info of the version saved from what it saved, without reading it back. */
export async function saveObjectInfo(ctx: Context, caller: Caller, ws: WorkspaceRecord, input: SaveObject, options: SaveOptions): Promise<ObjectInfo> {
  await guardNotebookObject(ctx, ws, input.name, input.type);
  const fileRefs = input.files ?? [];
  const duplicate = fileRefs.find((f, i) => fileRefs.findIndex((g) => g.name === f.name) !== i);
  if (duplicate) throw badRequest(`Two files are named ${duplicate.name}.`, [{ path: '/files', message: 'file names must be unique' }]);
  ctx.types.check(input.type, input.data, fileRefs.length);
  // Unknown and someone else's blobs get the same answer: a save must not confirm what others stored.
  const sizes = await ctx.store.uploadedBlobSizes(caller.id, fileRefs.map((f) => f.sha256));
  const files: FileRecord[] = fileRefs.map((f, i) => {
    const size = sizes.get(f.sha256);
    if (size === undefined) throw badRequest(`File ${f.name}: you have uploaded no blob ${f.sha256}; upload it first (POST /api/v1/blobs).`, [{ path: `/files/${i}/sha256`, message: 'is not a blob you uploaded' }]);
    return { ...f, size };
  });
  const fromCode = await codeOrigin(ctx, caller, input.type, input.code);
  const given = options.resolvedInputs ?? (await resolveInputs(ctx, caller, input.inputs ?? []));
  const inputs = fromCode ? mergeInputs(given, fromCode.inputs) : given;
  const narrative = fromCode?.narrative ?? options.narrative;
  const dataBytes = Buffer.byteLength(JSON.stringify(input.data ?? null));
  const summary = options.summary !== undefined ? options.summary : await summarise(ctx.blobs, input.type, files);
  const size = dataBytes + files.reduce((sum, f) => sum + f.size, 0);
  const savedAt = ctx.now();
  const provenanceKind = fromCode ? 'code' : options.kind;
  return inTransaction(ctx, async (tx) => {
    const saved = await insertVersion(tx, {
      wsid: ws.id,
      name: input.name,
      type: input.type,
      data: input.data ?? null,
      size,
      savedBy: caller.id,
      savedAt,
      provenance: {
        kind: provenanceKind,
        user: caller.name,
        at: ctx.now(),
        inputs: inputs.map((i) => ({ given: i.given, resolved: formatRef(i.key) })),
        ...(input.description === undefined ? {} : { description: input.description }),
        ...(options.sourceFiles ? { sourceFiles: options.sourceFiles } : {}),
        ...(narrative ? { narrative } : {}),
        ...(options.app ? { app: options.app } : {}),
        ...(fromCode ? { code: fromCode.code } : {}),
      },
      copiedFrom: null,
      files,
      summary,
      parents: inputs.map((i) => ({ ref: i.key, relation: 'input' as const })),
      ...(input.expectVersion === undefined ? {} : { expectVersion: input.expectVersion }),
    });
    const key = { wsid: ws.id, ...saved };
    // What toInfo would read back: the newest version, shown again if its object was hidden, neither a copy nor a revert.
    return {
      ref: formatRef(key), ...key, name: input.name, type: input.type, savedBy: caller.name, savedAt, size,
      latest: true, copiedFrom: null, provenanceKind, revertedFrom: null, hidden: false,
    };
  });
}

/** In a narrative's workspace the object `narrative` is its notebook: nothing else may be saved under that name. */
async function guardNotebookObject(ctx: Context, ws: WorkspaceRecord, name: string, type: string): Promise<void> {
  if (name !== NARRATIVE_OBJECT || type === NARRATIVE_TYPE) return;
  if (await ctx.store.getNarrativeByWorkspace(ws.id)) {
    throw conflict(`Workspace ${ws.id} belongs to a narrative: its object "${NARRATIVE_OBJECT}" is the notebook and holds only ${NARRATIVE_TYPE}. Choose another name.`);
  }
}

async function resolveInputs(ctx: Context, caller: Caller, given: string[]): Promise<{ given: string; key: VersionKey }[]> {
  const out: { given: string; key: VersionKey }[] = [];
  for (const text of given) {
    const ref = parseRef(text);
    const ws = await findWorkspace(ctx.store, ref.workspace);
    await requireLevel(ctx.store, caller, ws, 'read');
    out.push({ given: text, key: versionOf(await findObject(ctx.store, ws, ref.object), ref.ver) });
  }
  return out;
}

async function insertVersion(ctx: Context, version: Parameters<Context['store']['insertVersion']>[0]) {
  try {
    return await ctx.store.insertVersion(version);
  } catch (error) {
    if (error instanceof StaleVersionError) {
      throw conflict(`Object ${version.name} in workspace ${version.wsid} is at version ${error.actual}, not ${error.expected}: someone saved it meanwhile. Reload and try again.`);
    }
    throw error;
  }
}

export async function getObject(ctx: Context, ws: WorkspaceRecord, object: string, ver?: number): Promise<ObjectVersion> {
  const key = versionOf(await findObject(ctx.store, ws, object), ver);
  return { ...toVersion(await mustGet(ctx, key)), verifiedBy: await ctx.store.verificationsOf(key) };
}

export async function objectHistory(ctx: Context, ws: WorkspaceRecord, object: string): Promise<ObjectInfo[]> {
  const head = await findObject(ctx.store, ws, object);
  return (await ctx.store.history({ wsid: ws.id, objid: head.objid })).map(toInfo);
}

/**
 * A page of a workspace's objects: after the cursor (`next` of the page
 * before), which costs the same anywhere in the list, or at an offset, with
 * the count of all that match.
 */
export async function listObjects(ctx: Context, ws: WorkspaceRecord, query: ListObjectsQuery): Promise<ObjectPage> {
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  if (query.cursor !== undefined && offset > 0) throw badRequest('Page by cursor or by offset, not both.', [{ path: '/query/offset', message: 'must not be given with a cursor' }]);
  const page = await ctx.store.listObjects(ws.id, {
    // One more than the page: whether it exists says whether there is a next page.
    limit: limit + 1,
    offset,
    ...(query.cursor === undefined ? {} : { afterObjid: Number(query.cursor) }),
    ...(query.type ? { type: query.type } : {}),
    ...(query.name ? { nameContains: query.name } : {}),
    ...(query.after ? { after: query.after } : {}),
    ...(query.before ? { before: query.before } : {}),
    hidden: query.hidden ?? false,
  });
  const items = page.items.slice(0, limit).map(toInfo);
  const next = page.items.length > limit ? String(items.at(-1)!.objid) : null;
  return query.cursor === undefined ? { items, total: page.total!, offset, limit, next } : { items, limit, next };
}

export async function copyObject(ctx: Context, caller: Caller, from: WorkspaceRecord, object: string, ver: number | undefined, to: string, name?: string): Promise<VersionKey> {
  const source = await mustGet(ctx, versionOf(await findObject(ctx.store, from, object), ver));
  const target = await findWorkspace(ctx.store, to);
  await requireLevel(ctx.store, caller, target, 'write');
  return repeatVersion(ctx, caller, source, target, name ?? source.name, 'copy');
}

export async function revertObject(ctx: Context, caller: Caller, ws: WorkspaceRecord, object: string, ver: number): Promise<VersionKey> {
  const source = await mustGet(ctx, versionOf(await findObject(ctx.store, ws, object), ver));
  return repeatVersion(ctx, caller, source, ws, source.name, 'revert');
}

/** Saves the content of `source` as a new version in `target`, keeping its provenance and recording where it came from. */
async function repeatVersion(ctx: Context, caller: Caller, source: VersionRecord, target: WorkspaceRecord, name: string, relation: Exclude<LinkRelation, 'input'>): Promise<VersionKey> {
  await guardNotebookObject(ctx, target, name, source.type);
  const sourceRef = formatRef(source);
  const marker = relation === 'copy' ? { copiedFrom: sourceRef } : { revertedFrom: sourceRef };
  return inTransaction(ctx, async (tx) => {
    const saved = await insertVersion(tx, {
      wsid: target.id,
      name,
      type: source.type,
      data: source.data,
      size: source.size,
      savedBy: caller.id,
      savedAt: ctx.now(),
      provenance: { ...source.provenance, ...marker },
      copiedFrom: relation === 'copy' ? sourceRef : null,
      files: source.files,
      // The same files: their summary holds as it is.
      summary: source.summary,
      parents: [{ ref: source, relation }],
    });
    return { wsid: target.id, ...saved };
  });
}

export async function objectFile(ctx: Context, ws: WorkspaceRecord, object: string, ver: number | undefined, fileName: string): Promise<{ key: VersionKey; file: FileRecord; stream: Readable }> {
  const key = versionOf(await findObject(ctx.store, ws, object), ver);
  const version = await mustGet(ctx, key);
  const file = version.files.find((f) => f.name === fileName);
  if (!file) throw notFound(`Object ${formatRef(version)} has no file ${printable(fileName)}.`);
  return { key, file, stream: ctx.blobs.open(file.sha256) };
}

/** The info of a version just saved. */
export async function versionInfo(ctx: Context, key: VersionKey): Promise<ObjectInfo> {
  return toInfo(await mustGet(ctx, key));
}

async function mustGet(ctx: Context, key: VersionKey): Promise<VersionRecord> {
  const record = await ctx.store.getVersion(key);
  if (!record) throw notFound(`There is no object version ${formatRef(key)}.`);
  return record;
}

export function toInfo(r: VersionRecord): ObjectInfo {
  return {
    ref: formatRef(r),
    wsid: r.wsid,
    objid: r.objid,
    ver: r.ver,
    name: r.name,
    type: r.type,
    savedBy: r.savedBy,
    savedAt: r.savedAt,
    size: r.size,
    latest: r.ver === r.latestVer,
    copiedFrom: r.copiedFrom,
    provenanceKind: r.provenance.kind,
    // A copy keeps its source's provenance whole, revert marker and all: that marker is the source's, not the copy's.
    revertedFrom: r.copiedFrom === null ? (r.provenance.revertedFrom ?? null) : null,
    hidden: r.hidden,
  };
}

function toVersion(r: VersionRecord): ObjectVersion {
  return { ...toInfo(r), data: r.data, files: r.files, summary: r.summary, provenance: r.provenance };
}

