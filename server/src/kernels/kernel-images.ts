import type { Context } from '../domain/context.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { KernelImageRecord } from '../store/store.js';

/**
 * Kernel images: app-style images (a recipe built by buildApp, stored in the
 * image store by digest) that code cells run in. Each offered image is one
 * kernelspec named by its digest, so a notebook's metadata.kernelspec.name
 * pins the exact image its code ran in, and re-opening it starts that image.
 */

/** The kernelspec of Debian's python on the host: only while no kernel image is ready (see hostKernelspec). */
export const HOST_KERNEL_NAME = 'python3';
const PREFIX = 'narrative-python-';
/** Hex digits of the digest in a kernelspec's name: enough to never meet twice on one server (offering refuses a clash). */
const NAME_HEX = 12;

/** What a notebook's metadata.kernelspec holds. */
export interface NotebookKernelspec {
  name: string;
  display_name: string;
  language: 'python';
}

/** One kernel image as the kernels see it now. */
export interface KernelImage extends KernelImageRecord {
  kernelspec: string;
  displayName: string;
  /** The image's directory form (what ch-run runs), or null when the image is no longer stored here. */
  rootfs: string | null;
}

export function kernelspecName(digest: string): string {
  return `${PREFIX}${hexOf(digest).slice(0, NAME_HEX)}`;
}

/** The digest a kernelspec name stands for among `images`, if it is one of ours. */
export function imageOfKernelspec(name: string, images: readonly KernelImage[]): KernelImage | undefined {
  return name.startsWith(PREFIX) ? images.find((i) => i.kernelspec === name) : undefined;
}

function displayNameOf(image: KernelImageRecord, stored: boolean): string {
  const short = `sha256:${hexOf(image.digest).slice(0, NAME_HEX)}…`;
  if (!stored) return `${image.name} (${short}, no longer on this server)`;
  return image.withdrawnAt ? `${image.name} (${short}, withdrawn)` : `${image.name} (${short})`;
}

/** Every kernel image offered here (withdrawn ones too), each with its kernelspec and whether it is still stored. */
export async function kernelImages(ctx: Pick<Context, 'store' | 'images'>): Promise<KernelImage[]> {
  const images: KernelImage[] = [];
  for (const record of await ctx.store.listKernelImages()) {
    const rootfs = (await ctx.images.get(record.digest))?.forms.directory ?? null;
    images.push({ ...record, kernelspec: kernelspecName(record.digest), displayName: displayNameOf(record, rootfs !== null), rootfs });
  }
  return images;
}

/** The image a new narrative is pinned to: the newest offer still stored, or undefined. */
export function newestOffered(images: readonly KernelImage[]): KernelImage | undefined {
  return images.filter((i) => i.withdrawnAt === null && i.rootfs !== null).at(-1);
}

/**
 * Debian's python on the host, under the user's uid and limits but in no image:
 * offered only while no kernel image is ready (a first start builds one in a
 * few minutes), so code cells work from the first minute. Not pinned, and it says so.
 */
export function hostKernelspec(): NotebookKernelspec {
  return { name: HOST_KERNEL_NAME, display_name: 'Python 3 on the host (no kernel image ready yet)', language: 'python' };
}

/** metadata.kernelspec of a new narrative: the newest offered image, else the host's python. */
export async function newNarrativeKernelspec(ctx: Pick<Context, 'store' | 'images'>): Promise<NotebookKernelspec> {
  const newest = newestOffered(await kernelImages(ctx));
  return newest ? { name: newest.kernelspec, display_name: newest.displayName, language: 'python' } : hostKernelspec();
}

/**
 * Offers a stored image for code cells (an admin's act, or the bundled
 * builder's). Offering one again (withdrawn, or under a new name) replaces its
 * name and version and makes it the newest.
 */
export async function offerKernelImage(ctx: Context, image: { digest: string; name: string; version: string }, offeredBy: number | null): Promise<KernelImage> {
  if (!(await ctx.images.get(image.digest))) throw notFound(`No image ${image.digest} is stored here: push it first (narrative kernel-image add builds and pushes one).`);
  if (image.name.trim() === '') throw badRequest('A kernel image needs a name.');
  const name = kernelspecName(image.digest);
  const clash = (await ctx.store.listKernelImages()).find((k) => k.digest !== image.digest && kernelspecName(k.digest) === name);
  if (clash) throw conflict(`${image.digest} and the offered ${clash.digest} share the kernelspec name ${name}.`);
  await ctx.store.offerKernelImage({ ...image, offeredBy, offeredAt: ctx.now() });
  await changed(ctx);
  return (await kernelImages(ctx)).find((k) => k.digest === image.digest)!;
}

/** Stops offering an image to new narratives; those pinned to it still start it while it is stored. */
export async function withdrawKernelImage(ctx: Context, digest: string): Promise<void> {
  if (!(await ctx.store.withdrawKernelImage(digest, ctx.now()))) throw notFound(`${digest} is not an offered kernel image.`);
  await changed(ctx);
}

/**
 * Who hears of a change of the offers (the kernels, which rewrite their
 * kernelspecs), waited for: once an offer or withdrawal is answered, every
 * user's kernel picker shows it. Keyed like the bundled apps (bundled/attach.ts):
 * by the image store, the one object every copy of a server's context shares.
 */
const listeners = new WeakMap<object, Set<() => Promise<void>>>();

export function onKernelImagesChanged(ctx: Pick<Context, 'images'>, listener: () => Promise<void>): () => void {
  let set = listeners.get(ctx.images);
  if (!set) listeners.set(ctx.images, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

async function changed(ctx: Pick<Context, 'images'>): Promise<void> {
  await Promise.all([...(listeners.get(ctx.images) ?? [])].map((listener) => listener()));
}

function hexOf(digest: string): string {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  if (!hex) throw badRequest(`${digest} is not an image digest (sha256:<64 hex digits>).`);
  return hex;
}
