import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { publishedSchemas } from './published.js';

const CATALOG = fileURLToPath(new URL('../../../apps-catalog/', import.meta.url));

describe('published schemas', () => {
  for (const [file, schema] of Object.entries(publishedSchemas())) {
    it(`apps-catalog/${file} is the schema the server validates with (npm run schemas rewrites it)`, async () => {
      assert.deepEqual(JSON.parse(await readFile(`${CATALOG}${file}`, 'utf8')), JSON.parse(JSON.stringify(schema)));
    });
  }
});
