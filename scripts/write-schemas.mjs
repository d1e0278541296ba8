// Writes the JSON Schemas app developers use (apps-catalog/*.schema.json) from the server's TypeBox source.
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { publishedSchemas } = await import(join(root, 'server', 'dist', 'schemas', 'published.js'));
for (const [file, schema] of Object.entries(publishedSchemas())) {
  await writeFile(join(root, 'apps-catalog', file), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote apps-catalog/${file}\n`);
}
