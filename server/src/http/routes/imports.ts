import { describeNarrative, loadNarrative } from '../../domain/narratives.js';
import { importArchive } from '../../domain/import/import.js';
import { Narrative } from '../../schemas/api.js';
import { signedIn } from '../authorize.js';
import type { Request } from 'express';
import { always, route } from '../route.js';

/**
 * Importing an offline archive: any signed-in user may, and owns the new
 * narrative. Registering the apps it needs is for developers and admins;
 * the domain refuses a user whose archive needs an app this server lacks.
 */
export const importRoutes = [
  route({
    method: 'post', path: '/imports', tag: 'Export',
    summary: 'Import an offline archive (narrative export --format archive) as a new narrative I own: checked against its manifest first, then all of it or nothing',
    bodyKind: 'raw', rawContentType: 'application/x-tar', response: { status: 201, schema: Narrative },
    access: always.user,
    async handle(_i, g, ctx, { req }) {
      const caller = signedIn(g);
      // A refusal mid-archive stops reading without destroying the request, so that the rest can be drained.
      const body = req.iterator({ destroyOnReturn: false });
      try {
        const created = await importArchive(ctx, caller, body);
        return await describeNarrative(ctx, caller, await loadNarrative(ctx, created.id));
      } finally {
        // What the import did not read (a refused archive's rest, the end padding) is drained, so the client reads the answer instead of a reset;
        // the iterator lets go of the request first, or its listener would keep the request from flowing.
        await body.return?.();
        if (!req.readableEnded) drain(req, ctx.limits.archiveBytes);
      }
    },
  }),
];

/** Reads the rest of a request and drops it, but no more than an archive may weigh: past that the sender is cut off. */
function drain(req: Request, maxBytes: number): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxBytes) req.destroy();
  });
  req.resume();
}
