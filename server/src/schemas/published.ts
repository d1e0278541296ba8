import { AppSpec } from './app-spec.js';
import { ImageRecipe } from './recipe.js';

/**
 * The schemas app developers write against, as JSON Schema files in
 * apps-catalog/. They are made from the same TypeBox source that validates
 * requests, so the published file and the server cannot disagree
 * (`npm run schemas` writes them; a test fails when they are stale).
 */
export function publishedSchemas(): Record<string, unknown> {
  return {
    'app-spec.schema.json': { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'narrative/app-spec', title: 'narrative app spec (as registered)', ...AppSpec },
    'recipe.schema.json': { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'narrative/image-recipe', title: 'narrative app image recipe', ...ImageRecipe },
  };
}
