/** A JSON Schema as the OpenAPI document carries it (plain JSON, no TypeBox symbols). */
export type JsonSchema = { [key: string]: unknown };

export interface Param {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
}

/** One endpoint the fuzzer sends requests to. */
export interface Operation {
  /** `GET /api/v1/workspaces/{ws}`: names the operation in reports and derives its seed. */
  key: string;
  method: string;
  /** Where the template is mounted: `/api/v1` for the REST API, '' for the lab and kernel routes. */
  prefix: string;
  /** The path with `{param}` placeholders, as the OpenAPI document writes it. */
  template: string;
  params: Param[];
  body?: { contentType: string; schema: JsonSchema };
  /** Whether a caller without credentials may call it (else the answer must be 401). */
  anonymous: boolean;
  family: 'api' | 'lab' | 'kernel';
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * Walks the server's own OpenAPI document and yields every operation, so a new
 * endpoint is fuzzed as soon as the server publishes it.
 */
export function* walkOpenApi(doc: JsonSchema): Generator<Operation> {
  const prefix = ((doc.servers as { url: string }[] | undefined)?.[0]?.url ?? '/api/v1').replace(/\/$/, '');
  const topSecurity = doc.security as unknown[] | undefined;
  for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, JsonSchema>>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = ((op.parameters as JsonSchema[] | undefined) ?? []).map((p): Param => ({
        name: String(p.name),
        in: p.in === 'path' ? 'path' : 'query',
        required: p.required === true,
        schema: (p.schema as JsonSchema | undefined) ?? {},
      }));
      const content = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)?.content;
      const [contentType, media] = Object.entries(content ?? {})[0] ?? [];
      const security = (op.security as unknown[] | undefined) ?? topSecurity ?? [];
      yield {
        key: `${method.toUpperCase()} ${prefix}${template}`,
        method: method.toUpperCase(),
        prefix,
        template,
        params,
        ...(contentType ? { body: { contentType, schema: media?.schema ?? {} } } : {}),
        // An empty requirement object is OpenAPI's way of saying "no credentials needed".
        anonymous: security.length === 0 || security.some((s) => typeof s === 'object' && s !== null && Object.keys(s).length === 0),
        family: 'api',
      };
    }
  }
}

/** The `{name}` placeholders of a template, in order. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
