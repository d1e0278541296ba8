import { Type } from '@sinclair/typebox';
import type { Response } from 'express';
import { exportNarrative, exportObject, type Exported } from '../../domain/export/export.js';
import { ExportQuery, ObjectExportQuery, ProvDocument } from '../../schemas/export.js';
import { IdOrName, PositiveInt } from '../../schemas/common.js';
import { grantedWorkspace, onNarrative, onWorkspace } from '../access.js';
import { originOf } from '../origin.js';
import { route } from '../route.js';

const tag = 'Export';
const response = {
  status: 200,
  contentType: 'application/zip',
  schema: Type.String({ format: 'binary' }),
  alsoContent: { 'application/json': ProvDocument },
  description: 'format=archive (narratives only): a tar (application/x-tar) of the RO-Crate, every object version with all its files, the app specs and their images, and manifest-sha256.txt; format=ro-crate (the default): a zip of the RO-Crate (ro-crate-metadata.json, ro-crate-preview.html, the workflow and the data up to 1 MiB a file); format=prov: PROV-JSON',
};

/**
 * Standard exports. These are reads: whoever may read the narrative (or the
 * object) may export it, and the export shows what else it names only as far
 * as they may read that too. Mounted before the object routes, whose
 * `/objects/{ws}/{obj}/{ver}` would otherwise take `export` for a version.
 */
export const exportRoutes = [
  route({
    method: 'get', path: '/narratives/{id}/export', tag,
    summary: "A narrative's app cells and the runs that made their outputs, as an RO-Crate (Workflow and Provenance Run Crate), W3C PROV, or an offline archive holding every byte",
    params: Type.Object({ id: PositiveInt }), query: ExportQuery,
    response: { ...response, alsoContent: { ...response.alsoContent, 'application/x-tar': Type.String({ format: 'binary' }) } },
    access: onNarrative('read'),
    handle: async ({ query }, g, ctx, http) => send(http, await exportNarrative(ctx, g.caller, g.narrative!, query.format ?? 'ro-crate', originOf(http.req))),
  }),
  route({
    method: 'get', path: '/objects/{ws}/{obj}/export', tag,
    summary: "A version's lineage (the runs that made it and its ancestors) as an RO-Crate or W3C PROV; the latest version unless ver is given",
    params: Type.Object({ ws: IdOrName, obj: IdOrName }), query: ObjectExportQuery, response,
    access: onWorkspace('read'),
    handle: async ({ params, query }, g, ctx, http) => send(http, await exportObject(ctx, g.caller, grantedWorkspace(g), params.obj, query.ver, query.format ?? 'ro-crate', originOf(http.req))),
  }),
];

async function send({ res }: { res: Response }, exported: Exported): Promise<unknown> {
  res.set('Content-Disposition', `attachment; filename="${exported.fileName}"`);
  if (exported.format === 'prov') return exported.document;
  res.status(200).set('Content-Type', exported.format === 'archive' ? 'application/x-tar' : 'application/zip');
  if (exported.format === 'archive') res.set('Content-Length', String(exported.size));
  // As with file downloads: a client gone mid-stream ends the zip, not the server.
  await exported.write(res).catch((error: unknown) => {
    if (!res.headersSent) throw error;
    res.destroy();
  });
  return undefined;
}
