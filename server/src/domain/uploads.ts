import { requireShallow } from '../limits.js';
import { badRequest } from '../errors.js';
import type { UploadFields } from '../schemas/api.js';
import type { VersionKey, WorkspaceRecord } from '../store/store.js';
import { inTransaction, type Context } from './context.js';
import { saveObject } from './objects.js';
import type { Caller } from './permissions.js';
import { summarise } from './summaries/summaries.js';

export interface UploadedFile {
  filename: string;
  sha256: string;
  size: number;
}

/**
 * Saves uploaded files (already in the blob store) as one object version.
 * The blob rows are written in the same transaction as the version, so a
 * refused upload leaves no row behind: only unreferenced, unattachable bytes.
 */
export async function uploadObject(ctx: Context, caller: Caller, ws: WorkspaceRecord, fields: UploadFields, files: UploadedFile[]): Promise<VersionKey> {
  let data: unknown = {};
  if (fields.data !== undefined) {
    try {
      data = JSON.parse(fields.data);
    } catch {
      throw badRequest('The data field is not valid JSON.', [{ path: '/data', message: 'is not JSON' }]);
    }
    requireShallow(data, ctx.limits.jsonDepth, 'The data field');
  }
  // Read before the transaction, which would otherwise hold the database for as long as the files take to read.
  const summary = await summarise(ctx.blobs, fields.type, files);
  return inTransaction(ctx, async (tx) => {
    for (const f of files) await tx.store.recordBlob({ sha256: f.sha256, size: f.size, uploadedBy: caller.id, at: ctx.now() });
    return saveObject(
      tx,
      caller,
      ws,
      {
        name: fields.name,
        type: fields.type,
        data,
        files: files.map((f) => ({ name: f.filename, sha256: f.sha256 })),
        ...(fields.description ? { description: fields.description } : {}),
      },
      { kind: 'upload', sourceFiles: files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size })), summary },
    );
  });
}
