import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/store.js';

/** What the metrics read when scraped: the live figures other parts of the server own. */
export interface MetricSources {
  store: Store;
  /** Open websockets per stream: job events and logs, and the lab's event stream. */
  subscribers(): { jobs: number; lab: number };
}

/**
 * This server's Prometheus metrics, in a registry of its own (two servers in
 * one process, as in the tests, do not share counters). Job counts are read
 * from the store at each scrape, so every replica reports the whole database's.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'method' | 'route'>;
  readonly #reconcilePass: Histogram;
  #lastPassEnded = Date.now();
  #sources: MetricSources | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'narrative_' });
    this.#requests = new Counter({ name: 'narrative_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    this.#duration = new Histogram({ name: 'narrative_http_request_seconds', help: 'Time to answer an HTTP request', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [this.registry] });
    this.#reconcilePass = new Histogram({ name: 'narrative_reconcile_pass_seconds', help: 'Time one pass over the unfinished jobs took', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
    const sourcesOf = () => this.#sources;
    new Gauge({
      name: 'narrative_jobs',
      help: 'Jobs by state (created and queued: waiting for the scheduler or in its queue)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const sources = sourcesOf();
        if (!sources) return;
        this.reset();
        for (const [state, count] of await sources.store.countJobsByState()) this.set({ state }, count);
      },
    });
    const lastPass = () => this.#lastPassEnded;
    new Gauge({
      name: 'narrative_reconcile_lag_seconds',
      help: 'Seconds since this server last finished a pass reconciling jobs with the scheduler',
      registers: [this.registry],
      collect() {
        this.set((Date.now() - lastPass()) / 1000);
      },
    });
    new Gauge({
      name: 'narrative_websocket_subscribers',
      help: 'Open websockets, by stream',
      labelNames: ['stream'],
      registers: [this.registry],
      collect() {
        const counts = sourcesOf()?.subscribers() ?? { jobs: 0, lab: 0 };
        this.set({ stream: 'jobs' }, counts.jobs);
        this.set({ stream: 'lab' }, counts.lab);
      },
    });
  }

  /** Called once the parts the figures come from exist. */
  attach(sources: MetricSources): void {
    this.#sources = sources;
  }

  /** Express middleware counting every request by its route's pattern (never the raw path: ids would make a series each). */
  readonly countRequests = (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeOf(req);
      this.#requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.#duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };

  reconcilePassEnded(seconds: number): void {
    this.#lastPassEnded = Date.now();
    this.#reconcilePass.observe(seconds);
  }
}

function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  return 'unmatched';
}
