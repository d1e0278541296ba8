import { badRequest, notFound } from '../errors.js';
import { ID_OR_NAME_PATTERN } from '../schemas/common.js';
import type { ObjectHead, Store, VersionKey, WorkspaceRecord } from '../store/store.js';

/**
 * References. Input may name workspaces and objects (`myws/reads`, `3/reads/2`);
 * the server resolves them to the canonical numeric `wsid/objid/ver` before use
 * and records that form.
 */
export interface GivenRef {
  workspace: string;
  object: string;
  ver?: number;
}

const PART = new RegExp(ID_OR_NAME_PATTERN);
// At most 15 digits, as ID_OR_NAME_PATTERN allows: every id stays an exact integer in every store.
const isId = (part: string) => /^[0-9]{1,15}$/.test(part);

export function parseRef(text: string): GivenRef {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((p) => PART.test(p))) {
    throw badRequest(`"${printable(text)}" is not a reference: use wsid/objid[/ver], where the first two may be names.`);
  }
  const [workspace, object, ver] = parts as [string, string, string | undefined];
  if (ver !== undefined && (!isId(ver) || Number(ver) < 1)) throw badRequest(`"${printable(text)}": the version must be a positive number.`);
  return ver === undefined ? { workspace, object } : { workspace, object, ver: Number(ver) };
}

export function formatRef(key: VersionKey): string {
  return `${key.wsid}/${key.objid}/${key.ver}`;
}

/** The key of a numeric ref the server wrote itself (formatRef's output): never for a user's text, which parseRef reads. */
export function keyOfRef(ref: string): VersionKey {
  const [wsid, objid, ver] = ref.split('/').map(Number) as [number, number, number];
  return { wsid, objid, ver };
}

export async function findWorkspace(store: Store, idOrName: string): Promise<WorkspaceRecord> {
  const ws = isId(idOrName) ? await store.getWorkspace(Number(idOrName)) : await store.getWorkspaceByName(idOrName);
  if (!ws) throw notFound(`There is no workspace ${printable(idOrName)}.`);
  return ws;
}

/** Call only after the caller's read access to `ws` is checked: a name lookup must not reveal what a workspace holds. */
export async function findObject(store: Store, ws: WorkspaceRecord, idOrName: string): Promise<ObjectHead> {
  const head = isId(idOrName) ? await store.getObjectHead({ wsid: ws.id, objid: Number(idOrName) }) : await store.findObjectByName(ws.id, idOrName);
  if (!head) throw notFound(`Workspace ${ws.id} has no object ${printable(idOrName)}.`);
  return head;
}

export function versionOf(head: ObjectHead, ver: number | undefined): VersionKey {
  if (ver !== undefined && (ver < 1 || ver > head.latestVer)) {
    throw notFound(`Object ${head.wsid}/${head.objid} has no version ${ver} (latest is ${head.latestVer}).`);
  }
  return { wsid: head.wsid, objid: head.objid, ver: ver ?? head.latestVer };
}

/** Echoes user text in messages without control characters. */
export function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
