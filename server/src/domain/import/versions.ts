import { Type } from '@sinclair/typebox';
import { createReadStream } from 'node:fs';
import { invalidContent } from '../../errors.js';
import type { ObjectSummary } from '../../schemas/api.js';
import { summarise } from '../summaries/summaries.js';
import type { Provenance } from '../../schemas/provenance.js';
import type { WorkspaceRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { ArchiveIndex } from '../../schemas/archive.js';
import type { Caller } from '../permissions.js';
import { NARRATIVE_OBJECT } from '../notebook.js';
import { nameApart } from '../origin-name.js';
import { formatRef, keyOfRef } from '../refs.js';
import type { RestoredJobs } from './jobs.js';
import { fileOf, readJson, type StagedFile } from './stage.js';

type IndexedVersion = ArchiveIndex['versions'][number];

/** What the import restores versions from: the archive's index and files, the runs restored so far and the summaries computed. */
export interface Restoring {
  index: ArchiveIndex;
  staged: Map<string, StagedFile>;
  jobs: RestoredJobs;
  summaries: Map<string, ObjectSummary | null>;
}

/**
 * Puts every version's files into the blob store, checking each lands under
 * the sha256 its record names. Blobs are content addressed and shared, so
 * this happens before the transaction: a failed import leaves only bytes no
 * object names, as an abandoned upload does.
 */
export async function putBlobs(ctx: Context, caller: Caller, index: ArchiveIndex, staged: Map<string, StagedFile>): Promise<void> {
  for (const { dir, record } of index.versions) {
    for (const f of record.files) {
      const { sha256, size } = await ctx.blobs.put(createReadStream(fileOf(staged, `${dir}files/${f.name}`)), ctx.limits.blobBytes);
      if (sha256 !== f.sha256 || size !== f.size) throw invalidContent(`The archive's ${dir}files/${f.name} is not the file its version records (sha256 ${f.sha256}).`);
      await ctx.store.recordBlob({ sha256, size, uploadedBy: caller.id, at: ctx.now() });
    }
  }
}

/**
 * Each version's summary, computed here from its files (in the blob store
 * by now) as any save computes it: an archive's own summary is only what
 * its writer claims. Read before the import's transaction, which must not
 * wait on files.
 */
export async function summariesOf(ctx: Context, index: ArchiveIndex): Promise<Map<string, ObjectSummary | null>> {
  const summaries = new Map<string, ObjectSummary | null>();
  for (const { ref, record } of index.versions) summaries.set(ref, await summarise(ctx.blobs, record.type, record.files));
  return summaries;
}

/**
 * Saves each version into the new narrative's workspace under a new id,
 * oldest first so that every input is restored before what was made from
 * it, and returns original ref → new ref. Provenance is the original's with
 * its inputs and narrative mapped to the new ids and the original ref kept
 * as `copiedFrom`: what the version was derived from, on the server it came from.
 * The run that made it is named by its restored record, when the archive
 * carried that run. `ctx` is the import's transaction.
 */
export async function restoreVersions(ctx: Context, caller: Caller, ws: WorkspaceRecord, narrativeIds: { from: number; to: number }, archive: Restoring): Promise<Map<string, string>> {
  const { index, staged, jobs, summaries } = archive;
  const restored = new Map<string, string>();
  const names = new Map<string, string>();
  const taken = new Set([NARRATIVE_OBJECT]);
  const ordered = [...index.versions].sort((a, b) => a.record.savedAt.localeCompare(b.record.savedAt) || a.record.ver - b.record.ver);
  for (const version of ordered) {
    const { record } = version;
    const archived = await readJson(staged, `${version.dir}data.json`, Type.Unknown(), ctx.limits);
    ctx.types.check(record.type, archived, record.files.length);
    const data = withRestoredRefsIn(archived, restored);
    const name = nameFor(record, names, taken);
    const inputs = record.provenance.inputs.map((i) => ({ given: i.given, resolved: restored.get(i.resolved) ?? i.resolved }));
    const parents = record.provenance.inputs.flatMap((i) => (restored.has(i.resolved) ? [{ ref: keyOfRef(restored.get(i.resolved)!), relation: 'input' as const }] : []));
    // A narrative origin is kept only when it was the exported narrative: another server's narrative ids name nothing here.
    const { narrative: _origin, ...kept } = record.provenance;
    const provenance: Provenance = { ...kept, inputs, copiedFrom: version.ref, ...narrativeOf(record.provenance, narrativeIds), ...appRunOf(record.provenance, jobs) };
    const saved = await ctx.store.insertVersion({
      wsid: ws.id, name, type: record.type, data, size: record.size, savedBy: caller.id, savedAt: ctx.now(),
      provenance, copiedFrom: version.ref, files: record.files, parents, summary: summaries.get(version.ref) ?? null,
    });
    restored.set(version.ref, formatRef({ wsid: ws.id, ...saved }));
  }
  return restored;
}

/** One name per original object; two objects of one name (from two workspaces) are told apart by their origin. */
function nameFor(record: IndexedVersion['record'], names: Map<string, string>, taken: Set<string>): string {
  const object = `${record.wsid}/${record.objid}`;
  const known = names.get(object);
  if (known) return known;
  const name = nameApart(record.name, record, taken);
  names.set(object, name);
  taken.add(name);
  return name;
}

/** A run started in the exported narrative is, here, one of the imported narrative; its notebook versions are not carried over. */
function narrativeOf(provenance: Provenance, ids: { from: number; to: number }): Pick<Provenance, 'narrative'> {
  if (provenance.narrative?.id !== ids.from) return {};
  const { version: _version, ...rest } = provenance.narrative;
  return { narrative: { ...rest, id: ids.to } };
}

/**
 * The app run's job ids as restored here, the original kept apart: an id
 * of the other server left in `jobId` would name whatever job has that
 * number here. A run the archive did not carry is job 0, none of this server's.
 */
function appRunOf(provenance: Provenance, jobs: RestoredJobs): Pick<Provenance, 'app'> {
  if (!provenance.app) return {};
  const { rerunOf, jobId, originalJobId, ...app } = provenance.app;
  const original = rerunOf === undefined ? undefined : jobs.get(rerunOf);
  return { app: { ...app, jobId: jobs.get(jobId) ?? 0, originalJobId: originalJobId ?? jobId, ...(original === undefined ? {} : { rerunOf: original }) } };
}

/** A reference as the server writes it, not part of a longer one. */
const REF_IN_TEXT = /(?<![\w/])[0-9]+\/[0-9]+\/[0-9]+(?![\w/])/g;

/**
 * The data with every reference to a version restored so far rewritten to
 * its restored ref, wherever it appears: a genome's `assembly`, or a report's
 * title naming its input. On this server the original numbers would name
 * other objects; and a re-run here writes the restored refs, so only then
 * can it be found identical. Versions are restored oldest first, so what a
 * version names was restored before it.
 */
export function withRestoredRefsIn(value: unknown, restored: Map<string, string>): unknown {
  if (typeof value === 'string') return value.replace(REF_IN_TEXT, (ref) => restored.get(ref) ?? ref);
  if (Array.isArray(value)) return value.map((item) => withRestoredRefsIn(item, restored));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, withRestoredRefsIn(v, restored)]));
  return value;
}
