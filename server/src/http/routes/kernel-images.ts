import { Type } from '@sinclair/typebox';
import { kernelImages, offerKernelImage, withdrawKernelImage, type KernelImage } from '../../kernels/kernel-images.js';
import { APP_VERSION_PATTERN } from '../../schemas/app-spec.js';
import { ImageDigest, Timestamp } from '../../schemas/common.js';
import { always, route } from '../route.js';
import { signedIn } from '../authorize.js';

const tag = 'Kernel images';

const KernelImageInfo = Type.Object({
  digest: ImageDigest,
  name: Type.String({ description: 'what the kernel picker shows, with the digest' }),
  version: Type.String(),
  kernelspec: Type.String({ description: "the kernelspec name a notebook's metadata.kernelspec.name pins it by" }),
  displayName: Type.String(),
  offeredAt: Timestamp,
  withdrawnAt: Type.Union([Timestamp, Type.Null()], { description: 'no longer offered to new narratives; those pinned to it still start it while it is stored' }),
  stored: Type.Boolean({ description: 'whether the image is still in the image store' }),
});

const info = (k: KernelImage) => ({
  digest: k.digest, name: k.name, version: k.version, kernelspec: k.kernelspec, displayName: k.displayName, offeredAt: k.offeredAt, withdrawnAt: k.withdrawnAt, stored: k.rootfs !== null,
});

/** The kernel images code cells run in (server/src/kernels/kernel-images.ts): offered by admins, listed to all. */
export const kernelImageRoutes = [
  route({
    method: 'get', path: '/kernel-images', tag, summary: 'Kernel images offered for code cells (withdrawn ones too), oldest offer first',
    response: { status: 200, schema: Type.Array(KernelImageInfo) },
    access: always.user,
    handle: async (_i, _g, ctx) => (await kernelImages(ctx)).map(info),
  }),
  route({
    method: 'post', path: '/kernel-images', tag,
    summary: 'Offer a pushed image for code cells (admins): each user gets a kernelspec named by its digest, and new narratives are pinned to the newest offer',
    body: Type.Object({ digest: ImageDigest, name: Type.String({ minLength: 1, maxLength: 200 }), version: Type.String({ pattern: APP_VERSION_PATTERN }) }, { additionalProperties: false }),
    response: { status: 201, schema: KernelImageInfo },
    access: always.admin,
    handle: async ({ body }, g, ctx) => info(await offerKernelImage(ctx, body, signedIn(g).id)),
  }),
  route({
    method: 'delete', path: '/kernel-images/{digest}', tag, summary: 'Stop offering a kernel image to new narratives (admins); narratives pinned to it still start it',
    params: Type.Object({ digest: ImageDigest }), response: { status: 204 },
    access: always.admin,
    handle: async ({ params }, _g, ctx) => withdrawKernelImage(ctx, params.digest),
  }),
];
