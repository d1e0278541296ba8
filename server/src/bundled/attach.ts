import type { Context } from '../domain/context.js';
import type { BundledAppBuilder } from './bundled-apps.js';

/**
 * Each server's bundled apps, found from its context. A context is copied for
 * every transaction (`{...ctx, store}`), but its image store is the one
 * object per server that every copy shares, so the bundled apps hang off it.
 */
const attached = new WeakMap<object, BundledAppBuilder>();

export function attachBundledApps(ctx: Context, bundled: BundledAppBuilder): void {
  attached.set(ctx.images, bundled);
}

/** The server's bundled apps (their progress, the example narrative), if it was started with them. */
export function bundledAppsOf(ctx: Context): BundledAppBuilder | undefined {
  return attached.get(ctx.images);
}
