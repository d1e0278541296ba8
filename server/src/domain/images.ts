import { runtimeNamed, type JobSpec } from '@narrative/launcher-native';
import { invalidContent } from '../errors.js';
import type { AppSpec } from '../schemas/app-spec.js';
import type { Context, Execution } from './context.js';

/**
 * The form of an app's image that this server's runtime runs: an image the
 * operator placed is used as it is; a stored image is looked up by digest and
 * the runtime's preferred form chosen. Either way the job runs a digest, never a tag.
 */
export async function imageForRun(ctx: Context, execution: Execution, image: AppSpec['container']['image']): Promise<JobSpec['image']> {
  if ('location' in image) return image;
  const stored = await ctx.images.get(image.digest);
  if (!stored) throw invalidContent(`The image ${image.digest} is not in this server's image store; its developer can push it with narrative app register.`, [{ path: '/container/image', message: 'not stored here' }]);
  const runtime = runtimeNamed(execution.runtime);
  const format = runtime.formats.find((f) => stored.forms[f] !== undefined);
  if (!format) {
    throw invalidContent(`This server runs apps with ${runtime.name}, which runs ${runtime.formats.join(' or ')} images; image ${image.digest} is stored as ${Object.keys(stored.forms).join(', ')}.`, [
      { path: '/container/image', message: `no form ${runtime.name} runs` },
    ]);
  }
  return { digest: image.digest, format, location: stored.forms[format]! };
}

/** Registration checks: a stored image must already be here, so no job of the app can find it missing. */
export async function imageProblems(ctx: Context, image: AppSpec['container']['image']): Promise<{ path: string; message: string }[]> {
  if ('location' in image) return [];
  return (await ctx.images.get(image.digest)) ? [] : [{ path: '/container/image/digest', message: `${image.digest} is not in this server's image store: push it first (narrative app register <dir> does)` }];
}
