import express from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Context } from '../domain/context.js';
import { notFound } from '../errors.js';
import { httpLogSerializers } from '../logging.js';
import { SERVER_VERSION } from '../version.js';
import { loginPage } from './login-page.js';
import { mountRoutes } from './mount.js';
import { openApiDocument } from './openapi.js';
import { problemHandler } from './problem.js';
import { always, route, type AnyRoute } from './route.js';
import { accountRoutes } from './routes/account.js';
import { appRoutes } from './routes/apps.js';
import { imageRoutes } from './routes/images.js';
import { jobRoutes } from './routes/jobs.js';
import { kernelImageRoutes } from './routes/kernel-images.js';
import { jobDiffRoutes } from './routes/job-diff.js';
import { contentsRoutes } from './routes/contents.js';
import { exportRoutes } from './routes/export.js';
import { importRoutes } from './routes/imports.js';
import { narrativeRoutes } from './routes/narratives.js';
import { narrativeRunRoutes } from './routes/narrative-runs.js';
import { objectRoutes } from './routes/objects.js';
import { publicationRoutes } from './routes/publications.js';
import { systemRoutes } from './routes/system.js';
import { typeRoutes } from './routes/types.js';
import { uploadRoutes } from './routes/uploads.js';
import { workspaceRoutes } from './routes/workspaces.js';
import { shareLink } from './share-link.js';

export const API_PREFIX = '/api/v1';

/** Every REST route, in matching order (literal paths before parameters). */
export function apiRoutes(): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...systemRoutes,
    ...accountRoutes,
    ...typeRoutes,
    ...workspaceRoutes,
    ...uploadRoutes,
    ...exportRoutes,
    ...importRoutes,
    ...objectRoutes,
    ...narrativeRoutes,
    ...narrativeRunRoutes,
    ...publicationRoutes,
    ...contentsRoutes,
    ...appRoutes,
    ...imageRoutes,
    ...kernelImageRoutes,
    ...jobRoutes,
    ...jobDiffRoutes,
  ];
  const openApi = route({
    method: 'get', path: '/openapi.json', tag: 'System', summary: 'This document', response: { status: 200 },
    access: always.public,
    handle: async () => document,
  });
  routes.push(openApi);
  const document = openApiDocument(routes, SERVER_VERSION);
  return routes;
}

/** `extra` routers (the lab, the kernel proxy) answer before the catch-all 404. */
export function createApp(ctx: Context, logger: Logger, extra: express.Router[] = [], options: { labAvailable?: boolean; countRequests?: express.RequestHandler } = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (options.countRequests) app.use(options.countRequests);
  // Our serializers see the raw request and keep no header that could hold a credential.
  app.use(pinoHttp({ logger, serializers: httpLogSerializers, wrapSerializers: false, autoLogging: { ignore: (req) => req.url === `${API_PREFIX}/health` || req.url === '/healthz' || req.url === '/metrics' } }));

  const api = express.Router();
  mountRoutes(api, apiRoutes(), ctx);
  api.use((req) => {
    throw notFound(`No API endpoint ${req.method} ${req.originalUrl}; see ${API_PREFIX}/openapi.json.`);
  });
  app.use(API_PREFIX, api);

  app.get('/n/:id', shareLink(ctx, options.labAvailable ?? false));
  app.get('/login', loginPage);
  for (const router of extra) app.use(router);
  // The lab sends visitors who are not signed in to /login and back.
  app.get('/', (_req, res) => res.redirect('/lab'));
  app.use(problemHandler(logger));
  return app;
}
