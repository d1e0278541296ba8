import type { Request, Response } from 'express';
import type { Context } from '../domain/context.js';
import { describeNarrative, loadNarrative, readNotebook } from '../domain/narratives.js';
import { requireLevel } from '../domain/permissions.js';
import { notFound, Problem } from '../errors.js';
import { callerOf } from './authenticate.js';
import { escapeHtml, page } from './html.js';

/**
 * `/n/<id>`: the share link. Those allowed get the narrative: JSON for API
 * clients, the lab opened on it for signed-in browsers, a page for anonymous
 * readers of a public one. Others get a page or problem saying why not.
 */
export function shareLink(ctx: Context, labAvailable: boolean) {
  return async (req: Request, res: Response): Promise<void> => {
    const wantsJson = req.accepts(['html', 'json']) === 'json';
    try {
      const id = Number(req.params.id);
      if (!Number.isSafeInteger(id) || id < 1) throw notFound(`"${String(req.params.id).slice(0, 40)}" is not a narrative id.`);
      const caller = await callerOf(ctx, req);
      const loaded = await loadNarrative(ctx, id);
      await requireLevel(ctx.store, caller, loaded.ws, 'read');
      const narrative = await describeNarrative(ctx, caller, loaded);
      if (wantsJson) {
        res.json(narrative);
        return;
      }
      if (caller && labAvailable) {
        res.redirect(`/lab/tree/${encodeURIComponent(narrative.path)}`);
        return;
      }
      const { notebook } = await readNotebook(ctx, loaded);
      const readOnly = narrative.level === 'read' || narrative.published;
      res.type('html').send(
        page(
          narrative.title,
          `<h1>${escapeHtml(narrative.title)}</h1>
<p class="muted">Narrative ${narrative.id} by ${escapeHtml(narrative.owner)} · ${notebook.cells.length} cells · you have ${narrative.level} access${readOnly ? ' (read-only)' : ''}${narrative.published ? ' · published' : ''}</p>
<p><a href="/api/v1/narratives/${narrative.id}/notebook" download="${escapeHtml(narrative.path)}">Download the notebook (.ipynb)</a></p>`,
        ),
      );
    } catch (error) {
      if (!(error instanceof Problem) || wantsJson) throw error;
      const signIn = error.status === 401 ? `<p><a href="/login?next=${encodeURIComponent(req.originalUrl)}">Sign in</a> to open it.</p>` : '';
      res.status(error.status).type('html').send(page(error.title, `<h1>This narrative cannot be opened</h1><p class="problem">${escapeHtml(error.detail)}</p>${signIn}`));
    }
  };
}
