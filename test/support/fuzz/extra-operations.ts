import type { JsonSchema, Operation, Param } from './operations.js';

/**
 * Endpoints outside the OpenAPI document: the lab's server API (as
 * jupyterlab_server would answer it), the pages and static files around it,
 * and Jupyter's kernel and session API behind the kernel proxy. Their bodies
 * are described here in the same JSON Schema terms as the document's.
 */
const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
const path = (name: string): Param => ({ name, in: 'path', required: true, schema: str() });
const query = (name: string, schema: JsonSchema): Param => ({ name, in: 'query', required: false, schema });

function op(family: Operation['family'], method: string, template: string, o: { params?: Param[]; body?: JsonSchema; anonymous?: boolean } = {}): Operation {
  return {
    key: `${method} ${template}`,
    method,
    prefix: '',
    template,
    params: o.params ?? [],
    ...(o.body ? { body: { contentType: 'application/json', schema: o.body } } : {}),
    anonymous: o.anonymous ?? false,
    family,
  };
}

const LabWorkspace: JsonSchema = {
  type: 'object',
  properties: { data: { type: 'object', additionalProperties: true }, metadata: { type: 'object', properties: { id: str() }, required: ['id'] } },
  required: ['data', 'metadata'],
};

export function labOperations(): Operation[] {
  return [
    op('lab', 'GET', '/api/me'),
    op('lab', 'GET', '/lab/api/settings', { params: [query('ids_only', { type: 'boolean' })] }),
    op('lab', 'GET', '/lab/api/settings/{plugin}', { params: [path('plugin')] }),
    op('lab', 'PUT', '/lab/api/settings/{plugin}', { params: [path('plugin')], body: { type: 'object', properties: { raw: str() }, required: ['raw'] } }),
    op('lab', 'GET', '/lab/api/workspaces'),
    op('lab', 'GET', '/lab/api/workspaces/{labWorkspace}', { params: [path('labWorkspace')] }),
    op('lab', 'PUT', '/lab/api/workspaces/{labWorkspace}', { params: [path('labWorkspace')], body: LabWorkspace }),
    op('lab', 'GET', '/lab/api/translations'),
    op('lab', 'GET', '/lab/api/translations/{locale}', { params: [path('locale')] }),
    op('lab', 'GET', '/api/config/{section}', { params: [path('section')] }),
    op('lab', 'PATCH', '/api/config/{section}', { params: [path('section')], body: { type: 'object', additionalProperties: true } }),
    // Pages and files: anonymous visitors are sent to /login, or get the file.
    op('lab', 'GET', '/lab', { anonymous: true }),
    op('lab', 'GET', '/lab/tree/{path}', { params: [path('path')], anonymous: true }),
    op('lab', 'GET', '/lab/workspaces/{labWorkspace}', { params: [path('labWorkspace')], anonymous: true }),
    op('lab', 'GET', '/lab/static/{staticFile}', { params: [path('staticFile')], anonymous: true }),
    op('lab', 'GET', '/lab/api/themes/{themeFile}', { params: [path('themeFile')], anonymous: true }),
    op('lab', 'GET', '/login', { params: [query('next', str())], anonymous: true }),
    op('lab', 'GET', '/n/{id}', { params: [path('id')], anonymous: true }),
    op('lab', 'GET', '/', { anonymous: true }),
  ];
}

/**
 * Kernel names are never a real kernelspec here: a fuzzer that started a
 * Python process per valid request would measure the machine, not the proxy.
 * Deep paths are reached through the one kernel and session the world starts.
 */
const KernelName = str({ pattern: '^[a-z][a-z0-9_-]{0,12}$' });
const SessionBody: JsonSchema = {
  type: 'object',
  properties: {
    path: str(), name: str(), type: str({ const: 'notebook' }),
    kernel: { type: 'object', properties: { name: KernelName, id: str() } },
  },
  required: ['path', 'type', 'kernel'],
};

export function kernelOperations(): Operation[] {
  return [
    op('kernel', 'GET', '/api/kernelspecs'),
    op('kernel', 'GET', '/api/kernelspecs/{kernelName}', { params: [path('kernelName')] }),
    op('kernel', 'GET', '/kernelspecs/{kernelName}/{specFile}', { params: [path('kernelName'), path('specFile')] }),
    op('kernel', 'GET', '/api/kernels'),
    op('kernel', 'POST', '/api/kernels', { body: { type: 'object', properties: { name: KernelName, path: str() } } }),
    op('kernel', 'GET', '/api/kernels/{kernel}', { params: [path('kernel')] }),
    op('kernel', 'POST', '/api/kernels/{kernel}/interrupt', { params: [path('kernel')] }),
    op('kernel', 'DELETE', '/api/kernels/{kernel}', { params: [path('kernel')] }),
    op('kernel', 'GET', '/api/sessions'),
    op('kernel', 'POST', '/api/sessions', { body: SessionBody }),
    op('kernel', 'GET', '/api/sessions/{session}', { params: [path('session')] }),
    op('kernel', 'PATCH', '/api/sessions/{session}', { params: [path('session')], body: { ...SessionBody, required: [] } }),
    op('kernel', 'DELETE', '/api/sessions/{session}', { params: [path('session')] }),
  ];
}
