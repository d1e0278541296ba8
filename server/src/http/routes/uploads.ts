import { Type, type Static } from '@sinclair/typebox';
import { saveObject, toInfo } from '../../domain/objects.js';
import { badRequest, payloadTooLarge } from '../../errors.js';
import { BlobInfo, ObjectInfo } from '../../schemas/api.js';
import { IdOrName, Name, TypeId } from '../../schemas/common.js';
import { createAjv, invalidRequest, toFieldErrors } from '../../schemas/validation.js';
import { signedIn } from '../authorize.js';
import { receiveMultipart } from '../multipart.js';
import { always, route } from '../route.js';

const tag = 'Uploads';

/** The text fields of an upload form, checked like any JSON body. */
const UploadFields = Type.Object(
  {
    name: Name,
    type: TypeId,
    data: Type.Optional(Type.String({ description: 'the object data as JSON' })),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
const validateFields = createAjv().compile<Static<typeof UploadFields>>(UploadFields);

export const uploadRoutes = [
  route({
    method: 'post', path: '/blobs', tag, summary: 'Upload one file as a content-addressed blob (streamed; the body is the bytes)',
    bodyKind: 'raw', response: { status: 201, schema: BlobInfo },
    access: always.user,
    async handle(_i, _g, ctx, { req }) {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > ctx.limits.blobBytes) throw payloadTooLarge(`The file is larger than the limit of ${ctx.limits.blobBytes} bytes.`);
      const blob = await ctx.blobs.put(req, ctx.limits.blobBytes);
      await ctx.store.recordBlob(blob.sha256, blob.size, ctx.now());
      return blob;
    },
  }),
  route({
    method: 'post', path: '/workspaces/{ws}/upload', tag,
    summary: 'Upload files as a new object version (multipart/form-data: fields name, type, optional data (JSON) and description; one or more file parts)',
    params: Type.Object({ ws: IdOrName }), bodyKind: 'raw', rawContentType: 'multipart/form-data', response: { status: 201, schema: ObjectInfo },
    access: ({ params }) => ({ kind: 'workspace', level: 'write', workspace: params.ws }),
    async handle(_i, g, ctx, { req }) {
      const { fields, files } = await receiveMultipart(ctx, req);
      if (!validateFields(fields)) throw invalidRequest(toFieldErrors(validateFields.errors, ''));
      let data: unknown = {};
      if (fields.data !== undefined) {
        try {
          data = JSON.parse(fields.data);
        } catch {
          throw badRequest('The data field is not valid JSON.', [{ path: '/data', message: 'is not JSON' }]);
        }
      }
      for (const f of files) await ctx.store.recordBlob(f.sha256, f.size, ctx.now());
      const key = await saveObject(
        ctx,
        signedIn(g),
        g.ws!,
        { name: fields.name, type: fields.type, data, files: files.map((f) => ({ name: f.filename, sha256: f.sha256 })), ...(fields.description ? { description: fields.description } : {}) },
        { kind: 'upload', sourceFiles: files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size })) },
      );
      return toInfo((await ctx.store.getVersion(key.wsid, key.objid, key.ver))!);
    },
  }),
];
