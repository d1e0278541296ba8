import type { ErrorObject } from 'ajv';
import { toFieldErrors } from '../schemas/validation.js';

/**
 * A recipe's schema errors as an app developer reads them: the field as it
 * is written in JSON (`packages[0]`), the value given, and what it must be,
 * e.g. `packages[0]: "jq" must be name=version`.
 */
export function recipeErrorLines(errors: readonly ErrorObject[] | null | undefined, recipe: unknown): string[] {
  return (errors ?? []).map((e) => {
    const field = fieldName(e.instancePath);
    const description = (e.parentSchema as { description?: string } | undefined)?.description;
    if (e.keyword === 'pattern' && description) return `${field}: ${JSON.stringify(valueAt(recipe, e.instancePath))} must be ${description}`;
    const [first] = toFieldErrors([e], '');
    return `${fieldName(first?.path ?? e.instancePath)}: ${first?.message ?? 'is invalid'}`;
  });
}

/** `/packages/0/name` → `packages[0].name`; the whole recipe is `(the recipe)`. */
function fieldName(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return '(the recipe)';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function valueAt(value: unknown, pointer: string): unknown {
  let here = value;
  for (const part of pointer.split('/').slice(1)) here = here !== null && typeof here === 'object' ? (here as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return here;
}
