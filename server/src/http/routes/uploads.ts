import { Type } from '@sinclair/typebox';
import { versionInfo } from '../../domain/objects.js';
import { uploadObject } from '../../domain/uploads.js';
import { payloadTooLarge } from '../../errors.js';
import { BlobInfo, ObjectInfo, UploadFields } from '../../schemas/api.js';
import { IdOrName } from '../../schemas/common.js';
import { createAjv, invalidRequest, toFieldErrors } from '../../schemas/validation.js';
import { signedIn } from '../authorize.js';
import { receiveMultipart } from '../multipart.js';
import { route } from '../route.js';

const tag = 'Uploads';

const validateFields = createAjv().compile<UploadFields>(UploadFields);

export const uploadRoutes = [
  route({
    method: 'post', path: '/blobs', tag, summary: 'Upload one file as a content-addressed blob (streamed; the body is the bytes)',
    bodyKind: 'raw', response: { status: 201, schema: BlobInfo },
    // A code cell's save uploads its files first: a kernel's token may, though it may create nothing else.
    access: () => ({ kind: 'user', kernels: true }),
    async handle(_i, g, ctx, { req }) {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > ctx.limits.blobBytes) throw payloadTooLarge(`The file is larger than the limit of ${ctx.limits.blobBytes} bytes.`);
      const blob = await ctx.blobs.put(req, ctx.limits.blobBytes);
      await ctx.store.recordBlob({ ...blob, uploadedBy: signedIn(g).id, at: ctx.now() });
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
      return versionInfo(ctx, await uploadObject(ctx, signedIn(g), g.ws!, fields, files));
    },
  }),
];
