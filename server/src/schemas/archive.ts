import { Type, type Static } from '@sinclair/typebox';
import { APP_ID_PATTERN, APP_VERSION_PATTERN, AppSpec } from './app-spec.js';
import { Name, Ref, Timestamp, Title, TypeId } from './common.js';
import { Provenance } from './provenance.js';
import { ObjectFile, ObjectSummary } from './api.js';

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
    /** What the exporting server's summariser found in the files: carried for other readers; an import computes its own. */
    summary: Type.Optional(Type.Union([ObjectSummary, Type.Null()])),
  }),
});

/**
 * A completed run of the exported narrative, as its server recorded it: an
 * import restores it as a job of the imported narrative, so its cell shows
 * the result it had and a verified run-all there compares against it.
 */
const ArchivedJob = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  app: Type.String({ pattern: APP_ID_PATTERN }),
  version: Type.String({ pattern: APP_VERSION_PATTERN }),
  cell: Type.Union([Type.String(), Type.Null()]),
  /** The carried job this one re-ran (a verified re-run keeps its original's versions as its outputs). */
  rerunOf: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  params: Type.Record(Type.String(), Type.Unknown()),
  inputs: Type.Array(Type.Object({ name: Type.String(), given: Type.String(), resolved: Ref })),
  outputs: Type.Array(Type.Object({ name: Type.String(), ref: Ref })),
  resources: Type.Object({ cpus: Type.Integer({ minimum: 1 }), memoryMiB: Type.Integer({ minimum: 1 }), timeMinutes: Type.Integer({ minimum: 1 }), gpus: Type.Integer({ minimum: 0 }) }),
  attempt: Type.Integer({ minimum: 1 }),
  scheduler: Type.String(),
  schedulerId: Type.Union([Type.String(), Type.Null()]),
  node: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  startedAt: Type.Union([Timestamp, Type.Null()]),
  endedAt: Timestamp,
});
export type ArchivedJob = Static<typeof ArchivedJob>;

export const ArchiveIndex = Type.Object({
  format: Type.Literal(ARCHIVE_FORMAT),
  narrative: Type.Object({ id: Type.Integer(), title: Title, notebook: Type.String() }),
  versions: Type.Array(ArchivedVersion),
  /** Absent from archives made before runs were carried: their cells import without a result. */
  jobs: Type.Optional(Type.Array(ArchivedJob)),
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
