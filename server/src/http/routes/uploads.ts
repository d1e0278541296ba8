import { Type } from '@sinclair/typebox';
import busboy from 'busboy';
import type { Request } from 'express';
import type { Context } from '../../domain/context.js';
import { saveObject, toInfo } from '../../domain/objects.js';
import { badRequest, payloadTooLarge, unsupportedMediaType } from '../../errors.js';
import { BlobInfo, ObjectInfo } from '../../schemas/api.js';
import { IdOrName, NAME_PATTERN } from '../../schemas/common.js';
import { signedIn } from '../authorize.js';
import { always, route } from '../route.js';

const tag = 'Uploads';
const FILE_NAME = new RegExp(NAME_PATTERN);

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
      if (!fields.name || !fields.type) throw badRequest('The form needs the fields name and type.', [{ path: fields.name ? '/type' : '/name', message: 'is required' }]);
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

interface Received {
  fields: Record<string, string>;
  files: { filename: string; sha256: string; size: number }[];
}

/** Streams each file part into the blob store as it arrives: nothing is buffered whole. */
async function receiveMultipart(ctx: Context, req: Request): Promise<Received> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { fields: 20, fieldSize: ctx.limits.jsonBytes, files: 20, parts: 60 } });
  } catch {
    throw unsupportedMediaType('Send multipart/form-data with the fields name, type, optional data and one or more files.');
  }
  const fields: Record<string, string> = {};
  const uploads: Promise<Received['files'][number]>[] = [];
  const problems: Error[] = [];
  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) problems.push(payloadTooLarge(`The form field ${name} is larger than ${ctx.limits.jsonBytes} bytes.`));
    fields[name] = value;
  });
  parser.on('file', (_field, stream, info) => {
    const filename = (info.filename ?? '').split(/[\\/]/).pop() ?? '';
    if (!FILE_NAME.test(filename)) {
      stream.resume();
      problems.push(badRequest(`"${filename.slice(0, 80)}" is not a usable file name: letters, digits and _ . + = @ , - only, not starting with a dot.`));
      return;
    }
    uploads.push(ctx.blobs.put(stream, ctx.limits.blobBytes).then((blob) => ({ filename, ...blob })));
  });
  parser.on('filesLimit', () => problems.push(badRequest('Too many files in one upload (at most 20).')));
  await new Promise<void>((resolve, reject) => {
    parser.on('close', resolve);
    parser.on('error', (error) => reject(badRequest(`Malformed multipart body: ${(error as Error).message}`)));
    req.on('error', reject);
    req.pipe(parser);
  });
  const settled = await Promise.allSettled(uploads);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  if (problems.length > 0) throw problems[0];
  const files = settled.map((s) => (s as PromiseFulfilledResult<Received['files'][number]>).value);
  if (files.length === 0) throw badRequest('The upload holds no file part.', [{ path: '/files', message: 'at least one file is required' }]);
  return { fields, files };
}
