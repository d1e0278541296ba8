import { pipeline } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import { copyObject, getObject, listObjects, objectFile, objectHistory, revertObject, saveObjectInfo, versionInfo } from '../../domain/objects.js';
import { lineage } from '../../domain/lineage.js';
import { CopyObject, Lineage, LINEAGE_PAGE, LineageQuery, ListObjectsQuery, ObjectInfo, ObjectPage, ObjectVersion, RevertObject, SaveObject } from '../../schemas/api.js';
import { IdOrName, Name, PositiveInt } from '../../schemas/common.js';
import { signedIn } from '../authorize.js';
import { onWorkspace, grantedWorkspace } from '../access.js';
import { route, type Granted } from '../route.js';
import type { Context } from '../../domain/context.js';
import { noteRead } from '../../domain/code-provenance.js';
import { myDataRoutes } from './objects-mine.js';

const tag = 'Objects';
const WsParams = Type.Object({ ws: IdOrName });
const ObjParams = Type.Object({ ws: IdOrName, obj: IdOrName });
const VersionQuery = Type.Object({ ver: Type.Optional(PositiveInt) }, { additionalProperties: false });

export const objectRoutes = [
  ...myDataRoutes,
  route({
    method: 'get', path: '/workspaces/{ws}/objects', tag, summary: 'List objects (latest versions) with type, name and date filters',
    params: WsParams, query: ListObjectsQuery, response: { status: 200, schema: ObjectPage },
    access: onWorkspace('read'),
    handle: async ({ query }, g, ctx) => listObjects(ctx, grantedWorkspace(g), query),
  }),
  route({
    method: 'post', path: '/workspaces/{ws}/objects', tag, summary: 'Save an object: a new object, or the next version of one with this name',
    params: WsParams, body: SaveObject, response: { status: 201, schema: ObjectInfo },
    access: onWorkspace('write'),
    handle: async ({ body }, g, ctx) => saveObjectInfo(ctx, signedIn(g), grantedWorkspace(g), body, { kind: 'save' }),
  }),
  route({
    method: 'get', path: '/objects/{ws}/{obj}/history', tag, summary: 'Every version of an object', params: ObjParams, response: { status: 200, schema: Type.Array(ObjectInfo) },
    access: onWorkspace('read'),
    handle: async ({ params }, g, ctx) => objectHistory(ctx, grantedWorkspace(g), params.obj),
  }),
  route({
    method: 'get', path: '/objects/{ws}/{obj}/lineage', tag, summary: 'Ancestors and descendants of a version, a page at a time',
    params: ObjParams, query: Type.Composite([LineageQuery, Type.Object({ ver: Type.Optional(PositiveInt) })], { additionalProperties: false }), response: { status: 200, schema: Lineage },
    access: onWorkspace('read'),
    handle: async ({ params, query }, g, ctx) => lineage(ctx, g.caller, grantedWorkspace(g), params.obj, query.ver, {
      direction: query.direction ?? 'both', depth: query.depth, limit: query.limit ?? LINEAGE_PAGE, cursor: query.cursor,
    }),
  }),
  route({
    method: 'get', path: '/objects/{ws}/{obj}/files/{file}', tag, summary: "Download one of a version's files",
    params: Type.Object({ ws: IdOrName, obj: IdOrName, file: Name }), query: VersionQuery,
    response: { status: 200, contentType: 'application/octet-stream', schema: Type.String({ format: 'binary' }) },
    access: onWorkspace('read'),
    async handle({ params, query }, g, ctx, { res }) {
      const { key, file, stream } = await objectFile(ctx, grantedWorkspace(g), params.obj, query.ver, params.file);
      try {
        await noteRead(ctx, g.caller, key);
      } catch (error) {
        // The stream is open: closed here, or its descriptor (and any error it raises) would have no owner.
        stream.on('error', () => undefined).destroy();
        throw error;
      }
      res.status(200).set({
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(file.size),
        'Content-Disposition': `attachment; filename="${file.name}"`,
        ETag: `"${file.sha256}"`,
      });
      // pipeline closes the file when the client goes away mid-download, instead of leaving it open.
      await pipeline(stream, res).catch((error: unknown) => {
        if (!res.headersSent) throw error;
        res.destroy();
      });
      return undefined;
    },
  }),
  route({
    method: 'post', path: '/objects/{ws}/{obj}/copy', tag, summary: 'Copy a version into another workspace (keeps its provenance, records where it came from)',
    params: ObjParams, query: VersionQuery, body: CopyObject, response: { status: 201, schema: ObjectInfo },
    access: onWorkspace('read'),
    handle: async ({ params, query, body }, g, ctx) => versionInfo(ctx, await copyObject(ctx, signedIn(g), grantedWorkspace(g), params.obj, query.ver, body.to, body.name)),
  }),
  route({
    method: 'post', path: '/objects/{ws}/{obj}/revert', tag, summary: 'Save an older version again as the newest',
    params: ObjParams, body: RevertObject, response: { status: 201, schema: ObjectInfo },
    access: onWorkspace('write'),
    handle: async ({ params, body }, g, ctx) => versionInfo(ctx, await revertObject(ctx, signedIn(g), grantedWorkspace(g), params.obj, body.version)),
  }),
  route({
    method: 'get', path: '/objects/{ws}/{obj}', tag, summary: 'The latest version of an object, with data, files and provenance',
    params: ObjParams, response: { status: 200, schema: ObjectVersion },
    access: onWorkspace('read'),
    handle: async ({ params }, g, ctx) => readObject(ctx, g, params.obj),
  }),
  route({
    method: 'get', path: '/objects/{ws}/{obj}/{ver}', tag, summary: 'One version of an object (wsid/objid/ver)',
    params: Type.Object({ ws: IdOrName, obj: IdOrName, ver: PositiveInt }), response: { status: 200, schema: ObjectVersion },
    access: onWorkspace('read'),
    handle: async ({ params }, g, ctx) => readObject(ctx, g, params.obj, params.ver),
  }),
];

/** A version's content, noted as read when a kernel reads it: what code saves next names it as an input. */
async function readObject(ctx: Context, g: Granted, object: string, ver?: number) {
  const version = await getObject(ctx, grantedWorkspace(g), object, ver);
  await noteRead(ctx, g.caller, version);
  return version;
}
