import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { badRequest, type FieldError } from '../errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export function createAjv(options: Options = {}): Ajv {
  // verbose: errors carry their schema, so a failed pattern can be explained by its description.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true, ...options });
  addFormats(ajv);
  return ajv;
}

/** A problem lists at most this many field errors: a hostile body of many bad fields gets a short answer. */
export const FIELD_ERRORS_MAX = 100;

/** Turns ajv's errors into field errors whose paths start at `prefix` (e.g. `/body`), at most FIELD_ERRORS_MAX and then a count of the rest. */
export function toFieldErrors(errors: readonly ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors ?? []) {
    if (out.length === FIELD_ERRORS_MAX) {
      out.push({ path: prefix || '/', message: `and ${(errors?.length ?? 0) - seen.size} more errors not listed` });
      break;
    }
    let path = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      path += `/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
      message = 'is not a known field';
    } else if (e.keyword === 'required') {
      path += `/${String((e.params as { missingProperty: string }).missingProperty)}`;
      message = 'is required';
    } else if (e.keyword === 'pattern') {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      message = description ? `is not allowed here: ${description}` : `does not match ${String((e.params as { pattern: string }).pattern)}`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

/** One sentence naming the failing fields, for the problem's `detail`. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`);
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : '';
  return shown.join('; ') + more;
}

export function invalidRequest(errors: readonly FieldError[]) {
  return badRequest(describeFieldErrors(errors), errors);
}
