import type { ValidateFunction } from 'ajv';
import { createAjv } from './validation.js';

/** Schemas kept compiled: far more apps than a server runs at once. */
const KEEP = 256;
const compiled = new Map<string, ValidateFunction>();

/**
 * The validator of an app's params schema (defaults filled in), compiled once and kept: a bulk
 * run checks thousands of runs of one app, and compiling cost milliseconds each (docs/benchmarks.md,
 * "bulk"). Each schema gets an Ajv of its own, so two apps' schemas never clash on an `$id`; the
 * schema itself was checked against the meta-schema when its app was registered.
 */
export function paramsValidator(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  const kept = compiled.get(key);
  if (kept) {
    compiled.delete(key);
    compiled.set(key, kept);
    return kept;
  }
  const validate = createAjv({ useDefaults: true, validateSchema: false }).compile(schema);
  compiled.set(key, validate);
  if (compiled.size > KEEP) compiled.delete(compiled.keys().next().value!);
  return validate;
}
