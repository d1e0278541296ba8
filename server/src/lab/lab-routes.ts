import { join } from 'node:path';
import express from 'express';
import type { Context } from '../domain/context.js';
import { callerOf } from '../http/authenticate.js';
import { page } from '../http/html.js';
import type { LabAssets } from './lab-assets.js';
import { labApi } from './lab-api.js';
import { labPage } from './lab-page.js';

const LAB_PAGES = ['/lab', '/lab/tree/*path', '/lab/workspaces/*path'];

/** /lab and what it loads. Without a built bundle, /lab says how to build one. */
export function labRoutes(ctx: Context, assets: LabAssets | null): express.Router {
  const router = express.Router();
  if (!assets) {
    router.get(LAB_PAGES, (_req, res) => {
      res.status(503).type('html').send(page('Lab not built', '<h1>The JupyterLab app is not built</h1><p>Run <code>npm run setup</code> (or <code>npm run build -w labextension</code>) and restart the server.</p>'));
    });
    return router;
  }
  router.get(LAB_PAGES, (req, res, next) => {
    callerOf(ctx, req)
      .then((caller) => {
        if (!caller) return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
        const tree = ([] as string[]).concat((req.params as Record<string, string | string[]>).path ?? []).join('/');
        res.set('Cache-Control', 'no-store').type('html').send(labPage(assets, caller, req.path.startsWith('/lab/tree/') ? tree : ''));
      })
      .catch(next);
  });
  // Bundle files carry content hashes in their names, except the entries.
  router.use('/lab/static', express.static(join(assets.dir, 'static'), { index: false, maxAge: '1h' }));
  router.use('/lab/api/themes', express.static(join(assets.dir, 'themes'), { index: false, maxAge: '1h' }));
  router.use(labApi(ctx, assets));
  return router;
}
