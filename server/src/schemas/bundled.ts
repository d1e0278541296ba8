import { Type, type Static } from '@sinclair/typebox';
import { APP_ID_PATTERN, APP_VERSION_PATTERN } from './app-spec.js';

/**
 * The bundled apps (apps-catalog/apps) that a server on its embedded default
 * builds and registers in the background on its first start, and how far each has got.
 */
export const BUNDLED_STATES = ['waiting', 'building', 'registering', 'ready', 'failed'] as const;
export const BundledState = Type.Union(BUNDLED_STATES.map((s) => Type.Literal(s)), {
  description: 'waiting (for its turn), building (its image), registering (storing the image, adding the app), ready (in the catalog), failed (see error)',
});
export type BundledState = Static<typeof BundledState>;

export const BundledApp = Type.Object({
  id: Type.String({ pattern: APP_ID_PATTERN, description: 'module/name' }),
  version: Type.String({ pattern: APP_VERSION_PATTERN }),
  name: Type.String({ description: "the app's name in the catalog" }),
  state: BundledState,
  percent: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()], { description: 'how far it has got, when known (an estimate from the build phase)' }),
  message: Type.String({ description: 'what it is doing, in plain words' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'why it failed (state failed), else null' }),
});
export type BundledApp = Static<typeof BundledApp>;

export const BundledApps = Type.Object({
  enabled: Type.Boolean({ description: 'whether this server builds its bundled apps (NARRATIVE_BUNDLED_APPS)' }),
  /** Why not, or why the list is empty. */
  message: Type.String(),
  /** True once every app is ready or failed: nothing will change until the next start. */
  done: Type.Boolean(),
  apps: Type.Array(BundledApp, { description: 'in the order they are built' }),
});
export type BundledApps = Static<typeof BundledApps>;
