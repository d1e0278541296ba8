import type { AppSpec } from '../../schemas/app-spec.js';
import type { PackageDiff } from '../../schemas/job-diff.js';
import type { Context } from '../context.js';

/** name → version, as the image store records an image's Debian packages. */
export type PackageList = Record<string, string>;

/**
 * The packages of an app version's image, or null where this server does not
 * know them: an image the operator placed on the nodes is not in the store,
 * and nothing here ever read inside it.
 */
export async function packagesOf(ctx: Context, image: AppSpec['container']['image'] | null): Promise<PackageList | null> {
  if (!image || 'location' in image) return null;
  return (await ctx.images.get(image.digest))?.packages ?? null;
}

/**
 * Which packages b's image adds, drops or holds at another version than a's.
 * One digest is one image, whose packages are the same whether known or not.
 */
export function diffPackages(a: PackageList | null, b: PackageList | null, sameImage: boolean): PackageDiff {
  const count = { a: a ? Object.keys(a).length : null, b: b ? Object.keys(b).length : null };
  const counted = { ...count, same: count.a === count.b };
  if (!a || !b) return { same: sameImage, known: false, count: counted, added: [], removed: [], changed: [] };
  const added = Object.keys(b).filter((name) => !Object.hasOwn(a, name)).sort().map((name) => ({ name, version: b[name]! }));
  const removed = Object.keys(a).filter((name) => !Object.hasOwn(b, name)).sort().map((name) => ({ name, version: a[name]! }));
  const changed = Object.keys(a).filter((name) => Object.hasOwn(b, name) && a[name] !== b[name]).sort().map((name) => ({ name, a: a[name]!, b: b[name]! }));
  const same = sameImage || (added.length === 0 && removed.length === 0 && changed.length === 0);
  return { same, known: true, count: counted, added, removed, changed };
}
