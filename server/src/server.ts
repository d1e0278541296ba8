import type { Logger } from 'pino';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from './logging.js';
import { LocalBlobStore } from './blobs/blob-store.js';
import { ImageStore } from './images/image-store.js';
import { ADMIN_TOKEN_FILE, type Config } from './config.js';
import type { Context } from './domain/context.js';
import { TypeRegistry } from './domain/types-registry.js';
import { bootstrapAdmin } from './domain/users.js';
import { createApp } from './http/app.js';
import { jobStreams } from './http/job-stream.js';
import { dispatchUpgrades } from './http/upgrade.js';
import { lockDataDir } from './store/sqlite/data-dir-lock.js';
import { openStore } from './store/open.js';
import { aloneCoordination } from './store/coordination.js';
import { postgresCoordination } from './store/postgres/coordination.js';
import { checkReplicaSettings } from './replicas.js';
import { Metrics } from './operations/metrics.js';
import { operationsRouter } from './operations/routes.js';
import { bindPort } from './listen.js';
import { StartedSteps } from './started-steps.js';
import { createExecution } from './execution.js';
import { watchEndedJobs } from './domain/jobs/ended-jobs.js';
import { startReconciler } from './domain/jobs/reconciler.js';
import { startKernels } from './kernels/kernels.js';
import { loadLabAssets } from './lab/lab-assets.js';
import { labEvents } from './lab/lab-events.js';
import { labRoutes } from './lab/lab-routes.js';
import { writeFileDurably } from '@narrative/launcher-native';
import { attachBundledApps } from './bundled/attach.js';
import type { BundledAppBuilder } from './bundled/bundled-apps.js';
import { markNewDataDir } from './bundled/first-start.js';
import { createBundledApps } from './bundled/start.js';

export interface RunningServer {
  url: string;
  port: number;
  ctx: Context;
  /** The first admin's token, when this start created the database. */
  adminToken: string | null;
  logger: Logger;
  /** The bundled apps being built and registered in the background (their progress), or an empty list saying why not. */
  bundled: BundledAppBuilder;
  close(): Promise<void>;
}

/**
 * Opens the data directory and serves the API; resolves once listening.
 * Ordered so that a failed start has started nothing: the data directory's
 * lock first, then the port, then the store; the Jupyter child and the job
 * reconciler last. On a failure, whatever did start is stopped again (in
 * reverse) before the error reaches the caller.
 */
export async function startServer(config: Config): Promise<RunningServer> {
  await mkdir(config.home, { recursive: true, mode: 0o700 });
  const logger = createLogger(config.logLevel);
  const started = new StartedSteps();
  try {
    // Before anything reads or writes the data directory: a second server on it would race this one's writes. Replicas share
    // it, agreeing through their database instead.
    checkReplicaSettings(config);
    const lock = config.replica ? null : lockDataDir(config.home);
    if (lock) started.add(async () => lock.release());
    const bound = await bindPort(config.port, config.host);
    started.add(() => bound.abandon());
    const store = await openStore(config);
    started.add(() => store.close());
    const coordination = config.databaseUrl ? await postgresCoordination(config.databaseUrl, logger) : aloneCoordination();
    started.add(() => coordination.close());
    const ctx: Context = {
      store,
      types: new TypeRegistry(config.typesDir),
      blobs: await new LocalBlobStore(join(config.home, 'blobs')).init(),
      images: await new ImageStore(join(config.home, 'images'), config.limits.imageBytes).init(),
      limits: config.limits,
      now: () => new Date().toISOString(),
      execution: await createExecution(config, logger),
      coordination,
    };
    const adminToken = await bootstrapAdmin(ctx, async (token) => {
      // Made now, so its bundled apps are built by default (NARRATIVE_BUNDLED_APPS=auto); marked before the admin commits, so a crash leaves it new.
      await markNewDataDir(config.home);
      await writeFileDurably(join(config.home, ADMIN_TOKEN_FILE), `${token}\n`, 0o600);
    });
    // After the first admin exists (who registers them), before the API answers (which reports on them).
    const bundled = await createBundledApps(ctx, config, logger);
    attachBundledApps(ctx, bundled);
    const labAssets = await loadLabAssets(config.labDir);
    const kernels = await startKernels(ctx, config, logger);
    if (kernels) started.add(() => kernels.stop());
    const { server } = bound;
    const metrics = new Metrics();
    const extra = [operationsRouter(ctx, config.home, metrics), labRoutes(ctx, labAssets), ...(kernels ? [kernels.proxy.router] : [])];
    const streams = jobStreams(ctx, logger);
    const events = labEvents(ctx);
    metrics.attach({ store, subscribers: () => ({ jobs: streams.subscribers(), lab: events.subscribers() }) });
    const upgrades = dispatchUpgrades(server, [streams.handler, events.handler, ...(kernels ? [kernels.proxy.handler] : [])], logger);
    bound.ready(createApp(ctx, logger, extra, { labAvailable: labAssets !== null, countRequests: metrics.countRequests }));
    // Last, once nothing else can fail: from here on jobs move.
    const reconciler = startReconciler(ctx, config.execution.reconcileMs, logger, (seconds) => metrics.reconcilePassEnded(seconds));
    const endings = ctx.execution ? await watchEndedJobs(ctx.execution.jobsDir, (jobId) => reconciler.wake(jobId), logger) : null;
    // In the background: a first start serves at once and builds its apps while people sign in.
    bundled.start();
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: `http://${host}:${port}`,
      port,
      ctx,
      adminToken,
      logger,
      bundled,
      async close() {
        await bundled.stop();
        endings?.close();
        await reconciler.stop();
        upgrades.detach();
        await events.close();
        await kernels?.stop();
        // Before the store closes (a stream may be reading it) and before server.close, which would wait on open streams.
        await streams.close();
        server.closeAllConnections();
        upgrades.destroyAll();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await coordination.close();
        await store.close();
        lock?.release();
      },
    };
  } catch (error) {
    await started.undo((stopError) => logger.error({ err: stopError }, 'stopping what had started failed'));
    throw error;
  }
}
