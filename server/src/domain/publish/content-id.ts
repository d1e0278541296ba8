import { createHash } from 'node:crypto';

/**
 * A publication's content id: `sha256:` and the sha256 of its archive's
 * manifest. The manifest holds the sha256 of every other file, so the id
 * names every byte of the archive, and anyone holding the archive can
 * compute it again without the server.
 */
export const contentIdOf = (manifest: Buffer): string => `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
