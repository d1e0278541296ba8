import { Type } from '@sinclair/typebox';
import { publishedArchive } from '../../domain/publish/archive.js';
import { publishNarrativeVersion } from '../../domain/publish/publish.js';
import { describePublication, listPublications } from '../../domain/publish/publications.js';
import { PositiveInt } from '../../schemas/common.js';
import { Publication, PublicationParams } from '../../schemas/publication.js';
import { refuseKernelDownload } from '../../domain/permissions.js';
import { grantedPublication, onNarrative, onPublication } from '../access.js';
import { signedIn } from '../authorize.js';
import { originOf } from '../origin.js';
import { Reply, route } from '../route.js';

const tag = 'Publications';
const IdParams = Type.Object({ id: PositiveInt });

/**
 * Citable narrative versions. Publishing is for whoever may administer the
 * narrative (as sharing is); its list is read by whoever may read it. A
 * publication itself, and its archive, by whoever may read every workspace
 * the archive holds data of (`authorize` decides): anyone, signed in or not,
 * when those are all public.
 */
export const publicationRoutes = [
  route({
    method: 'post', path: '/narratives/{id}/publications', tag,
    summary: "Publish the narrative's current notebook version: its offline archive frozen here under a content id (201); a version published already answers its publication (200)",
    params: IdParams, response: { status: 201, schema: Publication },
    // A publication is a frozen copy: the narrative itself is left as it is, so a locked one may be published too.
    access: onNarrative('admin', { changes: false }),
    async handle(_i, g, ctx, { req }) {
      const { publication, created } = await publishNarrativeVersion(ctx, signedIn(g), g.narrative!, originOf(req));
      const described = describePublication(publication);
      return created ? described : new Reply(200, described);
    },
  }),
  route({
    method: 'get', path: '/narratives/{id}/publications', tag, summary: "The narrative's publications, newest first",
    params: IdParams, response: { status: 200, schema: Type.Array(Publication) },
    access: onNarrative('read'),
    handle: async (_i, g, ctx) => listPublications(ctx, g.narrative!),
  }),
  route({
    method: 'get', path: '/publications/{contentId}', tag,
    summary: 'A publication by its content id: which narrative version, its title, who published it and when (read access to every workspace its archive holds data of)',
    params: PublicationParams, response: { status: 200, schema: Publication },
    access: onPublication(),
    handle: async (_i, g) => describePublication(grantedPublication(g)),
  }),
  route({
    method: 'get', path: '/publications/{contentId}/archive', tag,
    summary: "A publication's archive, the same bytes every time (410 when a piece of it is gone from this server)",
    params: PublicationParams,
    response: { status: 200, contentType: 'application/x-tar', schema: Type.String({ format: 'binary' }), description: 'the offline archive as published: a tar whose manifest-sha256.txt hashes to the content id' },
    access: onPublication(),
    async handle(_i, g, ctx, { req, res }) {
      refuseKernelDownload(g.caller, "A publication's archive");
      const publication = grantedPublication(g);
      const archive = await publishedArchive(ctx, publication);
      res.status(200).set({ 'Content-Type': 'application/x-tar', 'Content-Length': String(archive.size), 'Content-Disposition': `attachment; filename="${archive.fileName}"` });
      await archive.write(res).catch((error: unknown) => {
        if (!res.headersSent) throw error;
        // A client gone mid-stream is its own business; anything else cut off a citation's bytes, and the operator must hear of it.
        if (!hungUp(error)) {
          req.log.error({ err: error, contentId: publication.contentId, path: archive.pathOf(error) }, 'a published archive was cut off: a file of it is no longer as published');
        }
        res.destroy();
      });
      return undefined;
    },
  }),
];

/** What a write fails with when the client went away: nothing about the archive. */
const HUNG_UP = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED', 'ECONNRESET', 'EPIPE']);

const hungUp = (error: unknown) => HUNG_UP.has(String((error as NodeJS.ErrnoException | null)?.code));
