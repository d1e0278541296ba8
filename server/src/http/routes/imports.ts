import { describeNarrative, loadNarrative } from '../../domain/narratives.js';
import { importArchive } from '../../domain/import/import.js';
import { Narrative } from '../../schemas/api.js';
import { signedIn } from '../authorize.js';
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
      try {
        const created = await importArchive(ctx, caller, req);
        return await describeNarrative(ctx, caller, await loadNarrative(ctx, created.id));
      } finally {
        // What the import did not read (a refused archive's rest, the end padding) is drained, so the client reads the answer instead of a reset.
        if (!req.readableEnded) req.resume();
      }
    },
  }),
];
