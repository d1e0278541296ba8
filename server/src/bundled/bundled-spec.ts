import { AppSpec } from '../schemas/app-spec.js';
import { createAjv, describeFieldErrors, toFieldErrors } from '../schemas/validation.js';
import type { BundledSource } from './app-list.js';

/**
 * POST /apps validates its body with this schema and these options (the
 * strict validator of server/src/http/mount.ts), filling in defaults. A
 * bundled spec must come out the same, or `narrative app register` of the
 * same app version later finds "a different spec" where there is none.
 */
const validate = createAjv({ useDefaults: true }).compile<AppSpec>(AppSpec);

/** Stands in for the digest of an image not built yet, so app.json is checked before minutes of building. */
const NOT_BUILT_YET = `sha256:${'0'.repeat(64)}`;

/**
 * The spec to register, as POST /apps would store it: first sent as JSON
 * (what the CLI does), then validated with the defaults filled in. An invalid
 * one is the app's failure, in words.
 */
export function parseBundledSpec(spec: unknown): AppSpec {
  const value: unknown = JSON.parse(JSON.stringify(spec));
  if (!validate(value)) throw new Error(`its app.json is not a valid app spec: ${describeFieldErrors(toFieldErrors(validate.errors, ''))}`);
  return value;
}

/**
 * Checks the app's spec before its build, in the shape specToRegister
 * (server/src/cli/app-source.ts) gives it once built: the recipe embedded,
 * the image pinned by digest.
 */
export function checkBundledSpec(app: BundledSource): void {
  parseBundledSpec({ ...app.source.spec, container: { recipe: app.source.recipe, image: { digest: NOT_BUILT_YET } } });
}
