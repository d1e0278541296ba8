import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { specToRegister } from '../cli/app-source.js';
import { UsageError } from '../cli/usage.js';
import { registerBundledApp } from '../domain/apps.js';
import { promoteApp } from '../domain/catalog.js';
import type { Context } from '../domain/context.js';
import type { Caller } from '../domain/permissions.js';
import { offerKernelImage } from '../kernels/kernel-images.js';
import type { AppSpec } from '../schemas/app-spec.js';
import type { BundledApp } from '../schemas/bundled.js';
import type { BundledSource } from './app-list.js';
import type { BuildCache } from './build-cache.js';
import { GRACE_MS, runBuild, type RunningBuild } from './build-child.js';
import { checkBundledSpec, parseBundledSpec } from './bundled-spec.js';
import type { ExampleNarratives } from './example-narrative.js';
import { BUILT_PERCENT, BundledProgress, condensed, keyOf, percentOf } from './progress.js';

/** How long to wait for another process building the same app into a shared cache (as test/support/built-apps.ts does). */
const LOCK_WAIT_MS = 20 * 60_000;
/** How long `stop` waits for the step under way: a build ends within its grace period (and a margin); storing an image cannot be cut short. */
const STOP_WAIT_MS = GRACE_MS + 5000;

export interface BundledOptions {
  cache: BuildCache;
  /** The cache is this server's own (in its data directory): a build is removed from it once its image is stored. */
  privateCache: boolean;
  examples: ExampleNarratives | null;
  logger: Logger;
}

type Say = (message: string, percent?: number | null) => void;
interface Built {
  digest: string;
  /** The spec to register; null for a kernel image, which is offered instead. */
  spec: AppSpec | null;
  archive: string;
}

/**
 * Builds and registers the bundled apps in the background, one at a time,
 * each only if its version is not registered yet. An app is registered by
 * the first admin, whose apps they then are (as if they had run `narrative
 * app register`), straight into release: they ship with the platform.
 *
 * Resumable: nothing is recorded until the end. The image goes into the
 * image store whole (or not at all) and the app is registered (released) in
 * one transaction after it, so a server stopped at any point builds (or,
 * from a cached build, only registers) that app again at its next start. A
 * failure is that app's state, with its error; the server and the other apps go on.
 */
export class BundledAppBuilder {
  private stopped = false;
  private build: RunningBuild | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: Context,
    readonly progress: BundledProgress,
    private readonly apps: BundledSource[],
    private readonly o: BundledOptions | null,
  ) {}

  /**
   * Marks the apps registered already as ready, so the first answer (and a
   * restart's) is right without building; releases those a start before
   * registration was one step left in dev (registered, then stopped).
   */
  async markRegistered(): Promise<void> {
    const admin = await this.registrant().catch(() => null);
    for (const app of this.apps) {
      if (app.kernel) {
        if (await this.kernelOffered(app)) this.progress.update(keyOf(app), { state: 'ready', percent: 100, message: 'offered for code cells' });
        continue;
      }
      const found = await this.ctx.store.getApp(app.id, app.version);
      if (!found) continue;
      if (admin && found.channel === 'dev' && found.registeredBy === admin.id && !found.deprecated) {
        await promoteApp(this.ctx, admin, app.id, app.version, 'release').catch((error: unknown) => this.o?.logger.warn({ app: keyOf(app), err: error }, 'a bundled app left in dev could not be released'));
      }
      this.progress.update(keyOf(app), { state: 'ready', percent: 100, message: 'in the catalog' });
    }
  }

  /** Builds and registers the rest in the background; returns at once. */
  start(): void {
    this.loop = this.run().catch((error: unknown) => this.o?.logger.error({ err: error }, 'building the bundled apps stopped'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.build?.stop();
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
  }

  /** A bundled app not in the catalog yet (still on its way, or failed), or undefined. */
  pending(id: string, version: string): BundledApp | undefined {
    const key = keyOf({ id, version });
    // A kernel image is no app: a 404 for its id is just that.
    if (this.apps.some((a) => a.kernel && keyOf(a) === key)) return undefined;
    const app = this.progress.get(key);
    return app && app.state !== 'ready' ? app : undefined;
  }

  /** Gives a new (or newly signed-in) user the example narrative, when this server offers one. */
  async welcome(user: Caller): Promise<void> {
    await this.o?.examples?.ensure({ id: user.id, name: user.name, role: user.role });
  }

  private async run(): Promise<void> {
    if (!this.o) return;
    const waiting = this.apps.filter((app) => this.progress.get(keyOf(app))?.state !== 'ready');
    if (waiting.length === 0) return;
    try {
      await this.o.cache.prepare();
    } catch (error) {
      // Checked once for all: every app waiting fails with the same words, and the server serves on.
      const message = `the build cache cannot be used: ${(error as Error).message}`;
      for (const app of waiting) this.progress.update(keyOf(app), { state: 'failed', percent: null, message: 'could not be built', error: message });
      this.o.logger.error({ err: error }, 'the bundled apps are not built: their build cache cannot be used');
      return;
    }
    for (const app of waiting) {
      if (this.stopped) return;
      const key = keyOf(app);
      try {
        await this.buildAndRegister(app, key);
        if (!this.stopped) this.o.logger.info({ app: key }, 'bundled app ready');
      } catch (error) {
        // Stopping ends the build with an error of its own making: not the app's failure.
        if (this.stopped) return;
        const message = error instanceof Error ? error.message : String(error);
        this.progress.update(key, { state: 'failed', message: 'could not be built or registered', error: condensed(message) });
        this.o.logger.warn({ app: key, err: error }, 'a bundled app could not be built or registered; the server goes on without it');
      }
    }
  }

  private async buildAndRegister(app: BundledSource, key: string): Promise<void> {
    const { cache, privateCache } = this.o!;
    const say: Say = (message, percent) => {
      const was = this.progress.get(key)?.percent ?? 0;
      // Percentages only move forward: a phase seen twice (an image already unpacked) does not go back.
      this.progress.update(key, { message, ...(percent == null ? {} : { percent: Math.max(was, percent) }) });
    };
    this.progress.update(key, { state: 'building', percent: 0, message: app.kernel ? 'looking at its kernel.json' : 'checking its app.json', error: null });
    // Before minutes of building: a spec the catalog would refuse fails now.
    if (!app.kernel) checkBundledSpec(app);
    say('looking for an earlier build');
    const unlock = await cache.lock(app.folder, {
      waitMs: LOCK_WAIT_MS,
      waiting: (owner) => say(`waiting for another build of this app to finish (process ${owner ?? '?'})`),
      stopped: () => this.stopped,
    });
    let built: Built;
    try {
      built = await this.storedImage(app, key, say);
    } finally {
      await unlock();
    }
    if (this.stopped) return;
    if (built.spec) {
      say('adding it to the catalog', 99);
      await registerBundledApp(this.ctx, await this.registrant(), built.spec);
    } else {
      say('offering it for code cells', 99);
      await offerKernelImage(this.ctx, { digest: built.digest, name: app.name, version: app.version }, (await this.registrant()).id);
    }
    // The image store has the image now; a shared cache keeps the build for its other users.
    if (privateCache) await cache.forget(app.folder).catch((error: unknown) => this.o?.logger.warn({ app: key, err: error }, 'a finished build could not be removed'));
    this.progress.update(key, { state: 'ready', percent: 100, message: app.kernel ? 'offered for code cells' : 'in the catalog', error: null });
  }

  /** A kernel image of this name and version was offered here before (withdrawn ones too: an admin's withdrawal stands) and is stored. */
  private async kernelOffered(app: BundledSource): Promise<boolean> {
    for (const offered of await this.ctx.store.listKernelImages()) {
      if (offered.name === app.name && offered.version === app.version && (await this.ctx.images.get(offered.digest))) return true;
    }
    return false;
  }

  /**
   * The app's image in the image store, from an earlier build or a new one,
   * and the spec to register with it. Called holding the cache's lock.
   */
  private async storedImage(app: BundledSource, key: string, say: Say): Promise<Built> {
    const { cache, logger } = this.o!;
    const earlier = await this.cached(app);
    if (earlier) {
      say('using an earlier build of the same recipe', BUILT_PERCENT);
      try {
        return await this.store(earlier, key, say);
      } catch (error) {
        if (this.stopped) throw error;
        // A build the image store refuses (cut short, damaged) would fail every start alike: built afresh, once.
        logger.warn({ app: key, err: error }, 'an earlier build of a bundled app could not be stored; building it again');
        await cache.forget(app.folder);
      }
    }
    await this.buildImage(app, key, say);
    const built = await this.cached(app);
    if (!built) throw new Error(`the build left no usable image in ${cache.folderOf(app.folder)}`);
    return this.store(built, key, say);
  }

  private async store(built: Built, key: string, say: Say): Promise<Built> {
    const { digest } = built;
    this.progress.update(key, { state: 'registering' });
    say('storing the image', BUILT_PERCENT);
    if (!(await this.ctx.images.get(digest))) await this.ctx.images.add(createReadStream(built.archive), digest, (phase) => say(phase, percentOf(phase)));
    return built;
  }

  /** The cached build of the app, if it was built from exactly its current recipe and files, with the spec to register. */
  private async cached(app: BundledSource): Promise<Built | null> {
    let found: Awaited<ReturnType<typeof specToRegister>>;
    try {
      found = await specToRegister(app.source, this.o!.cache.folderOf(app.folder));
    } catch (error) {
      // No build there, or one of another recipe: build it.
      if (error instanceof UsageError) return null;
      throw error;
    }
    const { spec, archive } = found;
    if (!archive || !(await stat(archive).then((s) => s.isFile(), () => false))) return null;
    const digest = (spec.container as { image: { digest: string } }).image.digest;
    return { digest, spec: app.kernel ? null : parseBundledSpec(spec), archive };
  }

  private async buildImage(app: BundledSource, key: string, say: Say): Promise<void> {
    const { cache } = this.o!;
    if (this.stopped) throw new Error('stopped before the build began');
    // Set, not said: after a cached build the store refused, this starts over.
    this.progress.update(key, { state: 'building', percent: 1, message: 'building its image from its recipe (a few minutes)' });
    this.build = runBuild(app.kernel?.file ?? app.source.dir, cache.stagingOf(app.folder), (line) => say(line, percentOf(line)));
    try {
      await this.build.done;
    } catch (error) {
      await cache.discard(app.folder);
      throw error;
    } finally {
      this.build = null;
    }
    await cache.keep(app.folder);
  }

  /** The first admin (the account the first start created), who registers the bundled apps. */
  private async registrant(): Promise<Caller> {
    const admin = (await this.ctx.store.listUsers()).filter((u) => u.role === 'admin').sort((a, b) => a.id - b.id)[0];
    if (!admin) throw new Error('there is no admin to register the app as');
    return { id: admin.id, name: admin.name, role: admin.role };
  }
}
