import express from 'express';
import type { Context } from '../domain/context.js';
import { checkHealth, type HealthReport } from './health.js';

const HEALTH_KEPT_MS = 2000;
import type { Metrics } from './metrics.js';

/**
 * /healthz for load balancers (200 when every check passes, else 503 with the
 * failing check) and /metrics for Prometheus. Outside the API: they carry no
 * user's data, only counts, and answer without a token; the generated nginx
 * configuration refuses both, so only the centre's network reaches them.
 */
export function operationsRouter(ctx: Context, home: string, metrics: Metrics): express.Router {
  const router = express.Router();
  // One check at a time, its answer kept briefly: however often the checks come, the scheduler is asked at most this often.
  let last: { at: number; report: Promise<HealthReport> } | null = null;
  router.get('/healthz', (_req, res, next) => {
    if (!last || Date.now() - last.at > HEALTH_KEPT_MS) last = { at: Date.now(), report: checkHealth(ctx, home) };
    last.report.then((report) => res.status(report.status === 'ok' ? 200 : 503).json(report), next);
  });
  router.get('/metrics', (_req, res, next) => {
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
  });
  return router;
}
