import { Type, type Static } from '@sinclair/typebox';
import { AppSpec } from './app-spec.js';
import { Name, Ref, Title, TypeId } from './common.js';
import { Provenance } from './provenance.js';
import { ObjectFile } from './api.js';

/**
 * The files of an offline archive that an import reads as JSON, besides the
 * crate: `archive.json` (what the crate does not say: each version's record
 * whole, where each app spec and image is) and each `apps/…json`. An import
 * checks them against these before it trusts a field: the manifest proves
 * the archive is whole, not that whoever made it was this server.
 */
export const ARCHIVE_FORMAT = 'narrative-archive/1';

const ArchivedVersion = Type.Object({
  ref: Ref,
  dir: Type.String({ pattern: '^objects/[0-9]+/[0-9]+/[0-9]+/$' }),
  record: Type.Object({
    wsid: Type.Integer({ minimum: 1 }),
    objid: Type.Integer({ minimum: 1 }),
    ver: Type.Integer({ minimum: 1 }),
    name: Name,
    type: TypeId,
    size: Type.Integer({ minimum: 0 }),
    savedBy: Type.String(),
    savedAt: Type.String(),
    provenance: Provenance,
    copiedFrom: Type.Union([Ref, Type.Null()]),
    latestVer: Type.Integer({ minimum: 1 }),
    files: Type.Array(ObjectFile),
  }),
});

export const ArchiveIndex = Type.Object({
  format: Type.Literal(ARCHIVE_FORMAT),
  narrative: Type.Object({ id: Type.Integer(), title: Title, notebook: Type.String() }),
  versions: Type.Array(ArchivedVersion),
  apps: Type.Array(Type.Object({
    id: Type.String(),
    version: Type.String(),
    spec: Type.String(),
    image: Type.Union([Type.Object({ digest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }), path: Type.String() }), Type.Null()]),
  })),
});
export type ArchiveIndex = Static<typeof ArchiveIndex>;

/** An `apps/<module>/<name>/<version>.json`: the app version as registered where it was exported. */
export const ArchivedApp = Type.Object({ id: Type.String(), version: Type.String(), channel: Type.String(), spec: AppSpec });
export type ArchivedApp = Static<typeof ArchivedApp>;
