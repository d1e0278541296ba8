import { Type, type Static } from '@sinclair/typebox';
import { ImageDigest, Title, TypeId } from './common.js';
import { ImageRecipe } from './recipe.js';

/**
 * An app version as registered in the catalog: what it takes, what it makes,
 * what it needs, and the exact image (by digest) and command that run it.
 * A registered version never changes.
 */
export const APP_ID_PATTERN = '^[a-z][a-z0-9-]{0,63}/[a-z][a-z0-9-]{0,63}$';
export const APP_VERSION_PATTERN = '^[0-9]+\\.[0-9]+(\\.[0-9]+)?([-+][A-Za-z0-9.]+)?$';
const Identifier = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'lower-case letters, digits and _' });

export const AppInput = Type.Object(
  {
    name: Identifier,
    types: Type.Array(TypeId, { minItems: 1, description: 'the data types it accepts' }),
    required: Type.Boolean({ default: true }),
    description: Type.String({ maxLength: 2000, default: '' }),
  },
  { additionalProperties: false },
);

export const AppOutput = Type.Object({ name: Identifier, type: TypeId, description: Type.String({ maxLength: 2000, default: '' }) }, { additionalProperties: false });

export const RetryPolicy = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, maximum: 5, description: 'resubmissions after the first run' }),
    factor: Type.Number({ minimum: 1.1, maximum: 8, description: 'memory (after OUT_OF_MEMORY) or time (after TIMEOUT) is multiplied by this' }),
  },
  { additionalProperties: false },
);


/** An image this server stores (by its OCI manifest digest), in every form its runtimes run; `narrative app register` pushes it. */
export const StoredImageRef = Type.Object({ digest: ImageDigest }, { additionalProperties: false });

/** An image the operator placed where the nodes find it (a path, or a Docker engine's image id), pinned by digest. */
export const ExternalImageRef = Type.Object(
  {
    digest: ImageDigest,
    format: Type.Union([Type.Literal('directory'), Type.Literal('squashfs'), Type.Literal('oci-archive'), Type.Literal('docker-image'), Type.Literal('sif')]),
    location: Type.String({ minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
);

export const AppSpec = Type.Object(
  {
    id: Type.String({ pattern: APP_ID_PATTERN, description: 'module/name' }),
    version: Type.String({ pattern: APP_VERSION_PATTERN, description: 'follows the tool it wraps' }),
    name: Title,
    description: Type.String({ maxLength: 10_000 }),
    categories: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, default: [] }),
    inputs: Type.Array(AppInput, { maxItems: 50 }),
    params: Type.Object(
      { type: Type.Literal('object'), properties: Type.Record(Type.String(), Type.Unknown()), required: Type.Optional(Type.Array(Type.String())) },
      { additionalProperties: false, description: 'a JSON Schema for the parameters (validation and defaults)' },
    ),
    outputs: Type.Array(AppOutput, { maxItems: 50 }),
    resources: Type.Object(
      {
        cpus: Type.Integer({ minimum: 1, maximum: 1024 }),
        memoryMiB: Type.Integer({ minimum: 16, maximum: 4_194_304 }),
        timeMinutes: Type.Integer({ minimum: 1, maximum: 43_200 }),
        gpus: Type.Integer({ minimum: 0, maximum: 64, default: 0 }),
      },
      { additionalProperties: false },
    ),
    network: Type.Boolean({ default: false, description: 'apps get no network unless this says so' }),
    mpi: Type.Boolean({ default: false }),
    deterministic: Type.Optional(Type.Boolean({ default: true, description: 'false: a re-run is not expected to give the same bytes, and verifying one says so instead of failing' })),
    randomSeed: Type.Optional(Type.Boolean({ description: "the app's randomness comes from an integer param `seed` (declared in params): each new run gets one, recorded with its outputs, and a re-run passes the same" })),
    container: Type.Object(
      {
        image: Type.Union([StoredImageRef, ExternalImageRef], { description: 'the exact image, by digest: a floating tag is never an image' }),
        recipe: Type.Optional(ImageRecipe),
      },
      { additionalProperties: false },
    ),
    argv: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: 256, description: 'the entry command; parameters reach it only through /in/params.json' }),
    retry: Type.Optional(Type.Object({ outOfMemory: Type.Optional(RetryPolicy), timeout: Type.Optional(RetryPolicy) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type AppSpec = Static<typeof AppSpec>;

export const Channel = Type.Union([Type.Literal('dev'), Type.Literal('beta'), Type.Literal('release')], { description: 'dev → beta → release: how far a version has been trusted' });
export type Channel = Static<typeof Channel>;

export const AppVersion = Type.Object({
  id: Type.String(),
  version: Type.String(),
  channel: Channel,
  registeredBy: Type.String(),
  registeredAt: Type.String(),
  deprecated: Type.Union([Type.Object({ at: Type.String(), reason: Type.String() }), Type.Null()]),
  spec: AppSpec,
});
export type AppVersion = Static<typeof AppVersion>;

/** How the catalog is searched (GET /apps). */
export const CatalogQuery = Type.Object(
  {
    category: Type.Optional(Type.String({ maxLength: 100, description: 'only apps in this category (any case)' })),
    q: Type.Optional(Type.String({ maxLength: 500, description: 'words that must all appear in the id, name, description or categories' })),
    channel: Type.Optional(Type.Union([Type.Literal('dev'), Type.Literal('beta'), Type.Literal('release')], { description: 'the least trusted channel to show: beta shows beta and release' })),
    deprecated: Type.Optional(Type.Boolean({ default: false, description: 'include deprecated versions' })),
    latest: Type.Optional(Type.Boolean({ default: false, description: "only each app's newest matching version" })),
  },
  { additionalProperties: false },
);
export type CatalogQuery = Static<typeof CatalogQuery>;
