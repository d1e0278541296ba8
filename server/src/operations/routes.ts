import express from 'express';
import type { Context } from '../domain/context.js';
import { checkHealth } from './health.js';
import type { Metrics } from './metrics.js';

/**
 * /healthz for load balancers (200 when every check passes, else 503 with the
 * failing check) and /metrics for Prometheus. Outside the API: they carry no
 * user's data, only counts, and answer without a token; a deployment keeps
 * /metrics to its own network (the generated nginx configuration does).
 */
export function operationsRouter(ctx: Context, home: string, metrics: Metrics): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res, next) => {
    checkHealth(ctx, home).then((report) => res.status(report.status === 'ok' ? 200 : 503).json(report), next);
  });
  router.get('/metrics', (_req, res, next) => {
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
  });
  return router;
}
