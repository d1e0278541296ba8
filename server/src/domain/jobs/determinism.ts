import { randomInt } from 'node:crypto';
import type { AppSpec } from '../../schemas/app-spec.js';
import type { AppRecord } from '../../store/store.js';

/**
 * What an app sees that would otherwise vary from run to run, fixed: the
 * clock tools stamp into files (SOURCE_DATE_EPOCH, the app version's
 * registration, so every run of one version stamps the same), the time zone
 * and the locale (sorting, number formats). Recorded with each output.
 */
export function determinismEnv(app: Pick<AppRecord, 'registeredAt'>): Record<string, string> {
  return {
    SOURCE_DATE_EPOCH: String(Math.floor(Date.parse(app.registeredAt) / 1000)),
    TZ: 'UTC',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
  };
}

/**
 * The params of a new run of an app that declares `randomSeed`, with a seed
 * chosen unless one was given. It is an ordinary param from here on: kept
 * with the job and its outputs, and passed again by a re-run.
 */
export function withSeed(spec: Pick<AppSpec, 'randomSeed'>, params: Record<string, unknown>): Record<string, unknown> {
  if (!spec.randomSeed || params['seed'] !== undefined) return params;
  return { ...params, seed: randomInt(0, 2 ** 31 - 1) };
}
