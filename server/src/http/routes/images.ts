import { Type } from '@sinclair/typebox';
import { notFound, payloadTooLarge } from '../../errors.js';
import { StoredImageInfo } from '../../schemas/api.js';
import { always, Reply, route } from '../route.js';

const tag = 'Images';
const DigestParams = Type.Object({ digest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }) });

export const imageRoutes = [
  route({
    method: 'get', path: '/images', tag, summary: 'App images stored here, each with its forms and Debian packages',
    response: { status: 200, schema: Type.Array(StoredImageInfo) },
    access: always.user,
    handle: async (_i, _g, ctx) => ctx.images.list(),
  }),
  route({
    method: 'get', path: '/images/{digest}', tag, summary: 'One stored image by its digest (404 until pushed)',
    params: DigestParams, response: { status: 200, schema: StoredImageInfo },
    access: always.user,
    async handle({ params }, _g, ctx) {
      const image = await ctx.images.get(params.digest);
      if (!image) throw notFound(`No image ${params.digest} is stored here.`);
      return image;
    },
  }),
  route({
    method: 'put', path: '/images/{digest}', tag,
    summary: 'Push an app image (developers): the body is an OCI image archive whose manifest has this digest; it is checked, then stored in every form a runtime runs',
    params: DigestParams, bodyKind: 'raw', rawContentType: 'application/x-tar', response: { status: 201, schema: StoredImageInfo },
    access: () => ({ kind: 'user', role: 'developer' }),
    async handle({ params }, _g, ctx, { req }) {
      if (Number(req.headers['content-length'] ?? 0) > ctx.limits.imageBytes) throw payloadTooLarge(`The image is larger than this server's limit of ${ctx.limits.imageBytes} bytes.`);
      const { image, created } = await ctx.images.add(req, params.digest);
      return created ? image : new Reply(200, image);
    },
  }),
];
