import type { TSchema } from '@sinclair/typebox';
import { Problem } from '../schemas/api.js';
import { anonymousMayCall, type AnyRoute } from './route.js';

/** The OpenAPI 3.1 document, generated from the same route schemas that validate requests. */
export function openApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters = [
      ...schemaParameters(r.params, 'path'),
      ...schemaParameters(r.query, 'query'),
    ];
    const also = Object.fromEntries(Object.entries(r.response.alsoContent ?? {}).map(([type, schema]) => [type, { schema: plain(schema) }]));
    const success = r.response.schema
      ? { description: r.response.description ?? 'OK', content: { [r.response.contentType ?? 'application/json']: { schema: plain(r.response.schema) }, ...also } }
      : { description: r.response.description ?? 'OK' };
    const operation: Record<string, unknown> = {
      operationId: `${r.method}${r.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: r.summary,
      tags: [r.tag],
      parameters,
      responses: {
        [String(r.response.status)]: success,
        ...(r.response.alsoEmpty ? { [String(r.response.alsoEmpty.status)]: { description: r.response.alsoEmpty.description } } : {}),
        '4XX': { description: 'The request was refused; the problem says why.', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
    if (allowsAnonymous(r)) operation.security = [{}, { bearer: [] }];
    if (r.bodyKind === 'raw') {
      operation.requestBody = { required: true, content: { [r.rawContentType ?? 'application/octet-stream']: { schema: { type: 'string', format: 'binary' } } } };
    } else if (r.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: plain(r.body) } } };
    }
    (paths[r.path] ??= {})[r.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'narrative API',
      version,
      description: 'Workspaces of typed, versioned objects with provenance; narratives (Jupyter notebooks) stored as objects; sharing. Errors are application/problem+json.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `narrative user add` or POST /tokens; browsers use the session cookie from POST /login.' } },
      schemas: { Problem: plain(Problem) },
    },
    paths,
  };
}

/** Access functions only pick fields, so a representative input (naming a narrative path) is a safe probe. */
function allowsAnonymous(r: AnyRoute): boolean {
  return anonymousMayCall(r.method, r.access({ params: { ws: '1', id: 1, path: 'Example (1).ipynb' }, query: {}, body: {} }));
}

function schemaParameters(schema: TSchema | undefined, where: 'path' | 'query') {
  const properties = (schema?.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((schema?.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: plain(s),
    ...(s.description ? { description: s.description } : {}),
  }));
}

/** TypeBox schemas carry symbol-keyed metadata; JSON round-tripping leaves plain JSON Schema. */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema));
}
