import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';

/**
 * A published narrative version: its offline archive frozen on the server
 * and named by its content id, so a citation names exactly these bytes.
 */
export const CONTENT_ID_PATTERN = '^sha256:[0-9a-f]{64}$';
export const ContentId = Type.String({
  pattern: CONTENT_ID_PATTERN,
  description: "sha256: and the sha256 of the archive's manifest-sha256.txt, which holds the sha256 of every other file",
});

export const Publication = Type.Object({
  contentId: ContentId,
  narrative: Type.Integer({ description: 'the narrative id' }),
  version: Type.Integer({ description: 'the notebook version published' }),
  title: Type.String({ description: "the narrative's title when it was published" }),
  publishedBy: Type.String({ description: 'the user who published it' }),
  publishedAt: Timestamp,
  size: Type.Integer({ description: 'bytes of the archive' }),
  archiveUrl: Type.String({ description: 'the API path of the archive: the same bytes every time' }),
});
export type Publication = Static<typeof Publication>;

export const PublicationParams = Type.Object({ contentId: ContentId });
