import { Type, type Static } from '@sinclair/typebox';
import { Level, Name, Offset, PageLimit, PositiveInt, Ref, Role, Sha256, Timestamp, Title, TypeId } from './common.js';
import { CodeClaim, Provenance } from './provenance.js';

/** Request and response bodies of the REST API: they validate requests and yield the OpenAPI document. */

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
});

export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String() });

export const User = Type.Object({ name: Name, role: Role });
export type User = Static<typeof User>;

export const NewUser = Type.Object(
  { name: Name, role: Type.Optional(Role), password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })) },
  { additionalProperties: false },
);
export const CreatedUser = Type.Object({ name: Name, role: Role, token: Type.String() });

export const Login = Type.Union([
  Type.Object({ name: Name, password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
  Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
]);

export const TokenInfo = Type.Object({
  id: Type.Integer(),
  label: Type.String(),
  kind: Type.Union([Type.Literal('api'), Type.Literal('session')]),
  createdAt: Timestamp,
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
});
export const NewToken = Type.Object({ label: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export const CreatedToken = Type.Object({ id: Type.Integer(), label: Type.String(), token: Type.String() });

export const TypeInfo = Type.Object({ id: TypeId, title: Type.String(), description: Type.String(), schema: Type.Unknown() });

export const Workspace = Type.Object({
  id: Type.Integer(),
  name: Name,
  owner: Name,
  public: Type.Boolean(),
  published: Type.Boolean(),
  publishedAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  /** The caller's own level in this workspace. */
  level: Level,
  narrativeId: Type.Union([Type.Integer(), Type.Null()]),
});
export type Workspace = Static<typeof Workspace>;
export const NewWorkspace = Type.Object({ name: Name }, { additionalProperties: false });
export const Grant = Type.Object({ user: Name, level: Level }, { additionalProperties: false });
export const Grants = Type.Object({ owner: Name, public: Type.Boolean(), grants: Type.Array(Grant) });
export const PublicFlag = Type.Object({ public: Type.Boolean() }, { additionalProperties: false });

export const FileRef = Type.Object({ name: Name, sha256: Sha256 }, { additionalProperties: false });
export const ObjectFile = Type.Object({ name: Name, sha256: Sha256, size: Type.Integer({ minimum: 0 }) });

export const SaveObject = Type.Object(
  {
    name: Name,
    type: TypeId,
    data: Type.Unknown({ description: 'JSON validated against the type schema' }),
    files: Type.Optional(Type.Array(FileRef, { maxItems: 1000 })),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    inputs: Type.Optional(Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 1000, description: 'references to the objects this one was made from' })),
    expectVersion: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 53 - 1, description: 'refuse the save (409) unless the latest version is this one (0: the object must not exist yet)' })),
    code: Type.Optional(CodeClaim),
  },
  { additionalProperties: false },
);
export type SaveObject = Static<typeof SaveObject>;

export const ObjectInfo = Type.Object({
  ref: Ref,
  wsid: Type.Integer(),
  objid: Type.Integer(),
  ver: Type.Integer(),
  name: Name,
  type: TypeId,
  savedBy: Name,
  savedAt: Timestamp,
  size: Type.Integer(),
  latest: Type.Boolean(),
  copiedFrom: Type.Union([Ref, Type.Null()]),
  provenanceKind: Type.Union([Type.Literal('upload'), Type.Literal('save'), Type.Literal('app'), Type.Literal('code')], { description: "how the version's content came to be (its provenance's kind)" }),
  revertedFrom: Type.Union([Ref, Type.Null()], { description: 'the version this one saved again as the newest' }),
  hidden: Type.Boolean({ description: 'removed from view: left out of listings, still readable by reference' }),
});
export type ObjectInfo = Static<typeof ObjectInfo>;
/** Statistics of a reads object's files, computed once when the content was first saved. */
export const ReadsSummary = Type.Object({
  kind: Type.Literal('reads'),
  format: Type.Union([Type.Literal('fastq'), Type.Literal('fasta')]),
  readCount: Type.Integer({ minimum: 0 }),
  totalBases: Type.Integer({ minimum: 0 }),
  minLength: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'null without reads' }),
  maxLength: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  meanLength: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
});
export type ReadsSummary = Static<typeof ReadsSummary>;
/** A version's summary, by `kind`: one per type that has a summariser. */
export const ObjectSummary = Type.Union([ReadsSummary]);
export type ObjectSummary = Static<typeof ObjectSummary>;

export const ObjectVersion = Type.Composite([
  ObjectInfo,
  Type.Object({
    data: Type.Unknown(),
    files: Type.Array(ObjectFile),
    summary: Type.Union([ObjectSummary, Type.Null()], { description: "statistics of the files computed when they were saved; null when the type has no summariser, the files could not be read as the type, or the version predates summaries" }),
    provenance: Provenance,
    verifiedBy: Type.Optional(Type.Array(Type.Object({ jobId: Type.Integer(), at: Type.String() }), { description: 'verified re-runs that made exactly this version again' })),
  }),
]);
export type ObjectVersion = Static<typeof ObjectVersion>;

export const ObjectPage = Type.Object({
  items: Type.Array(ObjectInfo, { description: 'latest versions, by objid' }),
  total: Type.Optional(Type.Integer({ description: 'how many match in all: given on pages asked for by offset, not on those asked for by cursor' })),
  offset: Type.Optional(Type.Integer({ description: 'given on pages asked for by offset' })),
  limit: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page; null on the last' }),
});
export type ObjectPage = Static<typeof ObjectPage>;
export const ListObjectsQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 200, description: 'a type id, or a prefix such as Genomics. or Genomics.Assembly' })),
    name: Type.Optional(Type.String({ maxLength: 255, description: 'substring of the object name' })),
    after: Type.Optional(Timestamp),
    before: Type.Optional(Timestamp),
    hidden: Type.Optional(Type.Boolean({ default: false, description: 'true: only the objects removed from view; false (default): only the others' })),
    limit: Type.Optional(PageLimit(100)),
    offset: Type.Optional(Offset),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'where the page starts: `next` of the page before (keyset paging, which counts nothing: no `total`); not with an offset' })),
  },
  { additionalProperties: false },
);
export type ListObjectsQuery = Static<typeof ListObjectsQuery>;

/** A keyset cursor: the `next` of the page before. */
export const MY_DATA_CURSOR_PATTERN = '^[0-9]{1,15}:[A-Za-z0-9_][A-Za-z0-9_.+=@,-]{0,254}$';
export const MyObjectsQuery = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 200, description: 'a type id, or a prefix such as Genomics. or Genomics.Assembly' })),
    name: Type.Optional(Type.String({ maxLength: 255, description: 'substring of the object name' })),
    hidden: Type.Optional(Type.Boolean({ default: false, description: 'true: only the objects removed from view; false (default): only the others' })),
    limit: Type.Optional(PageLimit(100)),
    cursor: Type.Optional(Type.String({ pattern: MY_DATA_CURSOR_PATTERN, description: 'where the page starts: `next` of the page before' })),
  },
  { additionalProperties: false },
);
export type MyObjectsQuery = Static<typeof MyObjectsQuery>;
export const MyObject = Type.Composite([
  ObjectInfo,
  Type.Object({
    narrative: Type.Object({
      id: Type.Integer(),
      title: Title,
      // Both always sent; optional so a MyObject can be made of a narrative whose lock and level are not at hand (the CLI does).
      /** The caller's level in it: write or admin, as My data lists only what the caller may change. */
      level: Type.Optional(Level),
      published: Type.Optional(Type.Boolean({ description: 'locked for good: its objects can no longer be removed from view, brought back or reverted' })),
    }),
  }),
]);
export type MyObject = Static<typeof MyObject>;
export const MyObjectPage = Type.Object({
  items: Type.Array(MyObject, { description: 'latest versions, newest narrative first, then by object name' }),
  next: Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page; null on the last' }),
});
export type MyObjectPage = Static<typeof MyObjectPage>;
export const HiddenFlag = Type.Object({ hidden: Type.Boolean() }, { additionalProperties: false });

/** The text fields of a multipart upload form, checked like a JSON body. */
export const UploadFields = Type.Object(
  {
    name: Name,
    type: TypeId,
    data: Type.Optional(Type.String({ description: 'the object data as JSON' })),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
export type UploadFields = Static<typeof UploadFields>;

export const CopyObject = Type.Object({ to: Type.String({ maxLength: 255, description: 'target workspace id or name' }), name: Type.Optional(Name) }, { additionalProperties: false });
export const RevertObject = Type.Object({ version: PositiveInt }, { additionalProperties: false });

export const LineageNode = Type.Object({
  ref: Ref,
  accessible: Type.Boolean(),
  name: Type.Optional(Name),
  type: Type.Optional(TypeId),
});
export const LineageEdge = Type.Object({ from: Ref, to: Ref, relation: Type.String() });
export const Lineage = Type.Object({
  root: Ref,
  nodes: Type.Array(LineageNode, { description: 'this page of the versions, each once, in wsid/objid/ver order' }),
  edges: Type.Array(LineageEdge, { description: 'the links walked from the versions of this page; with every page, each link once' }),
  next: Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page; null on the last' }),
});
export type Lineage = Static<typeof Lineage>;
/** Versions per lineage page unless a `limit` says otherwise: a 10,000-version chain comes in one call. */
export const LINEAGE_PAGE = 10_000;
export const LineageQuery = Type.Object(
  {
    direction: Type.Optional(Type.Union([Type.Literal('ancestors'), Type.Literal('descendants'), Type.Literal('both')], { default: 'both' })),
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'steps to follow; without it, the whole lineage' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, default: LINEAGE_PAGE, description: 'versions per page' })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}/[0-9]{1,15}/[0-9]{1,15}$', description: 'where the page starts: `next` of the page before' })),
  },
  { additionalProperties: false },
);

export const BlobInfo = Type.Object({ sha256: Sha256, size: Type.Integer() });

export const Narrative = Type.Object({
  id: Type.Integer(),
  wsid: Type.Integer(),
  objid: Type.Integer(),
  ref: Ref,
  title: Title,
  owner: Name,
  level: Level,
  public: Type.Boolean(),
  published: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  copiedFrom: Type.Union([Type.Integer(), Type.Null()]),
  path: Type.String({ description: 'its path in the Jupyter Contents API' }),
  link: Type.String({ description: 'the share link' }),
});
export type Narrative = Static<typeof Narrative>;
export const NewNarrative = Type.Object({ title: Title }, { additionalProperties: false });
export const CopyNarrative = Type.Object({ title: Type.Optional(Title) }, { additionalProperties: false });
export const RenameNarrative = Type.Object({ title: Title }, { additionalProperties: false });
export const ShareNarrative = Type.Union([
  Type.Object({ user: Name, level: Level }, { additionalProperties: false }),
  Type.Object({ public: Type.Boolean() }, { additionalProperties: false }),
]);

export const StoredImageInfo = Type.Object({
  digest: Type.String({ description: 'the OCI manifest digest: the image\'s one name' }),
  layerDigest: Type.String(),
  size: Type.Integer({ description: 'bytes of the OCI archive' }),
  storedAt: Timestamp,
  packages: Type.Record(Type.String(), Type.String(), { description: 'Debian packages inside: name → version' }),
  forms: Type.Record(Type.String(), Type.String(), { description: 'format → where the nodes find it' }),
});
