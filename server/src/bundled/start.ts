import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Context } from '../domain/context.js';
import { listBundledApps, type BundledSource } from './app-list.js';
import { BuildCache } from './build-cache.js';
import { BundledAppBuilder } from './bundled-apps.js';
import { ExampleNarratives } from './example-narrative.js';
import { beganWithBundledApps } from './first-start.js';
import { EXAMPLE_APPS, type ExampleApp } from './example-notebook.js';
import { kernelSettings } from '../kernels/settings.js';
import { listKernelImageSources } from './kernel-list.js';
import { BundledProgress } from './progress.js';

/**
 * This server's bundled apps, per its configuration: off (an empty list that
 * says why), or the apps of `bundledAppsDir` waiting to be built (`start`
 * builds them), those registered already marked ready. `auto` is on only
 * with the local scheduler, on a data directory that began with them
 * (./first-start.ts). A folder that cannot be read is the list's message,
 * not an error: the server serves anyway.
 */
export async function createBundledApps(ctx: Context, config: Config, logger: Logger): Promise<BundledAppBuilder> {
  const off = (message: string) => new BundledAppBuilder(ctx, new BundledProgress(false, message), [], null);
  if (config.bundledApps === 'off') return off('NARRATIVE_BUNDLED_APPS is off: this server builds no bundled apps.');
  // On a cluster the operator decides what to build and register; the embedded default (npm start) is ready at once.
  if (config.bundledApps === 'auto' && config.execution.scheduler !== 'local') {
    return off(`This server runs apps with the ${config.execution.scheduler} scheduler, so it builds no bundled apps by itself (NARRATIVE_BUNDLED_APPS=on would).`);
  }
  if (config.bundledApps === 'auto' && !(await beganWithBundledApps(config.home))) {
    return off('This data directory was in use before the server built its bundled apps by itself, so it builds none: NARRATIVE_BUNDLED_APPS=on builds and registers them (a few minutes and up to a few GB each) and gives each user the example narrative.');
  }
  let listed: Awaited<ReturnType<typeof listBundledApps>>;
  let kernels: Awaited<ReturnType<typeof listKernelImageSources>>;
  try {
    listed = await listBundledApps(config.bundledAppsDir);
  } catch (error) {
    return new BundledAppBuilder(ctx, new BundledProgress(true, `The bundled apps in ${config.bundledAppsDir} cannot be read: ${(error as Error).message}`), [], null);
  }
  try {
    // Code cells off: no kernel image to build.
    kernels = config.kernels.enabled ? await listKernelImageSources(kernelSettings(config.kernels).imagesDir) : { kernels: [], problems: [] };
  } catch (error) {
    kernels = { kernels: [], problems: [`the kernel images cannot be read: ${(error as Error).message}`] };
  }
  const problems = [...listed.problems, ...kernels.problems];
  const progress = new BundledProgress(true, problems.length > 0 ? `Not built, as they are not apps or kernel images: ${problems.join('; ')}` : '');
  const sources = buildOrder(listed.apps, kernels.kernels);
  for (const app of sources) progress.add(app);
  const cache = new BuildCache(config.buildCache ?? join(config.home, 'bundled', 'builds'));
  const examples = exampleApps(listed.apps);
  const bundled = new BundledAppBuilder(ctx, progress, sources, {
    cache,
    privateCache: config.buildCache === undefined,
    // The example starts with an assembly: without MEGAHIT bundled there is no example to give.
    examples: examples[0]?.id === EXAMPLE_APPS[0] ? new ExampleNarratives(ctx, join(config.home, 'bundled', 'examples'), examples, logger) : null,
    logger,
  });
  await bundled.markRegistered();
  return bundled;
}

/**
 * The example narrative's apps first (MEGAHIT first: its first cell is runnable
 * soonest, and the others follow before the long kernel image build), or the
 * first app when there is no example; then the kernel images, before the rest.
 */
function buildOrder(apps: BundledSource[], kernels: BundledSource[]): BundledSource[] {
  const example = apps.filter((a) => EXAMPLE_APPS.includes(a.id));
  const lead = example.length > 0 ? example : apps.slice(0, 1);
  return [...lead, ...kernels, ...apps.filter((a) => !lead.includes(a))];
}

/** The example's apps among the bundled ones, in its order, each with its parameters' defaults. */
function exampleApps(apps: BundledSource[]): ExampleApp[] {
  return EXAMPLE_APPS.flatMap((id) => {
    const app = apps.find((a) => a.id === id);
    if (!app) return [];
    const properties = ((app.source.spec['params'] as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties ?? {});
    const params = Object.fromEntries(Object.entries(properties).filter(([, p]) => p.default !== undefined).map(([name, p]) => [name, p.default]));
    return [{ id: app.id, version: app.version, name: app.name, params }];
  });
}
