import type { Publication } from '../../schemas/publication.js';
import type { PublicationRecord } from '../../store/store.js';
import type { Context } from '../context.js';
import type { LoadedNarrative } from '../narratives.js';

export const archivePath = (contentId: string) => `/api/v1/publications/${contentId}/archive`;

export function describePublication(p: PublicationRecord): Publication {
  return {
    contentId: p.contentId,
    narrative: p.narrativeId,
    version: p.narrativeVersion,
    title: p.title,
    publishedBy: p.publishedBy,
    publishedAt: p.publishedAt,
    size: p.size,
    archiveUrl: archivePath(p.contentId),
  };
}

/** A narrative's publications, newest first. */
export async function listPublications(ctx: Context, { narrative }: LoadedNarrative): Promise<Publication[]> {
  return (await ctx.store.listPublications(narrative.id)).map(describePublication);
}
