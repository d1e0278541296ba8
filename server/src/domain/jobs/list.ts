import { badRequest, notFound } from '../../errors.js';
import type { JobListQuery, JobPage } from '../../schemas/jobs.js';
import type { Context } from '../context.js';
import type { Caller } from '../permissions.js';
import { describeJobs } from './describe.js';
import { isJobState, type JobState } from './states.js';

/** A page when the query names no limit. */
export const JOB_PAGE_DEFAULT = 100;

/**
 * A user's jobs, newest first, a page at a time: the caller's own, or (the
 * route lets only admins name one) another user's. Nobody else's jobs are
 * ever in the list, whoever shares a workspace with whom. Only jobs in
 * workspaces the caller may read are listed, as GET /jobs/{id} decides:
 * once an owner unshares, a job I ran there is theirs to see, not mine, and
 * an admin's role gives no more sight of a user's workspaces here than there.
 */
export async function listJobs(ctx: Context, caller: Caller, query: JobListQuery): Promise<JobPage> {
  const owner = query.user === undefined || query.user === caller.name ? caller : await ctx.store.findUserByName(query.user);
  if (!owner) throw notFound(`There is no user named ${query.user}.`);
  if (query.cell !== undefined && query.narrative === undefined) {
    throw invalid('cell', 'needs narrative too: a cell id is unique only within its narrative');
  }
  const limit = query.limit ?? JOB_PAGE_DEFAULT;
  // One row more than the page: whether it exists says whether there is a next page, without counting.
  const rows = await ctx.store.listJobsOf({
    userId: owner.id,
    readableBy: caller.id,
    states: statesOf(query.state),
    appId: query.app,
    narrative: query.narrative,
    cell: query.cell,
    since: instant('since', query.since),
    until: instant('until', query.until),
    beforeId: query.cursor === undefined ? undefined : readCursor(query.cursor),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: await describeJobs(ctx, page), next: rows.length > limit && last ? cursorAfter(last.id) : null };
}

/** `state=queued,running` and `state=queued&state=running` alike; the schema has checked each word. */
function statesOf(given: string | string[] | undefined): JobState[] | undefined {
  if (given === undefined) return undefined;
  const words = (Array.isArray(given) ? given : [given]).flatMap((g) => g.split(','));
  return [...new Set(words.filter(isJobState))];
}

/**
 * A time as the store keeps them (UTC, milliseconds, `Z`), so text order is
 * time order: `2025-01-01T02:00:00+02:00` and `2025-01-01T00:00:00Z` are one
 * instant. A date-time the format allows but no clock has (a leap second) is refused.
 */
function instant(field: 'since' | 'until', text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || ms < Date.parse('0000-01-01T00:00:00Z') || ms > Date.parse('9999-12-31T23:59:59.999Z')) {
    throw invalid(field, 'is not a time this server can compare: use an ISO 8601 date-time such as 2025-01-31T09:00:00Z');
  }
  return new Date(ms).toISOString();
}

/**
 * The cursor names the last job of the page before; opaque to clients, so
 * it may carry more later. `j` and the id in base 36, base64url-encoded.
 */
function cursorAfter(id: number): string {
  return Buffer.from(`j${id.toString(36)}`).toString('base64url');
}

function readCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('latin1');
  const id = /^j[0-9a-z]{1,11}$/.test(text) ? parseInt(text.slice(1), 36) : NaN;
  if (!Number.isSafeInteger(id) || id < 1 || cursorAfter(id) !== cursor) throw invalid('cursor', 'is not a cursor this server gave: pass the `next` of the page before, unchanged');
  return id;
}

const invalid = (field: string, message: string) => badRequest(`/query/${field} ${message}`, [{ path: `/query/${field}`, message }]);
