import type { Command } from 'commander';
import { elapsedText, type Job, type JobListQuery, type NarrativeClient } from '../../client/index.js';
import { PAGE_MAX } from '../../limits.js';
import { clientFrom, type GlobalOptions } from '../env.js';
import { emit, table } from '../output.js';
import { UsageError } from '../usage.js';
import { describeFailure, jobDocument, type JobDocument } from './jobs.js';

interface ListOptions {
  state: string[];
  app?: string;
  narrative?: string;
  cell?: string;
  since?: string;
  until?: string;
  user?: string;
  limit: string;
}

/** `narrative job list`: my jobs, newest first, as a table or (--json) `{jobs, next}`. */
export function listCommand(job: Command): void {
  job
    .command('list')
    .description('my jobs, newest first: state in plain words (why a job waits), elapsed time, narrative and cell')
    .option('--state <states>', 'only jobs in these states (comma-separated, or the option repeated): created, queued, running, completed, failed, cancelled', (v: string, all: string[]) => [...all, v], [])
    .option('--app <module/name>', 'only runs of this app')
    .option('--narrative <id>', 'only runs started from this narrative')
    .option('--cell <cellId>', 'only runs of this cell (with --narrative)')
    .option('--since <time>', 'only jobs made at or after this ISO 8601 time')
    .option('--until <time>', 'only jobs made before this ISO 8601 time')
    .option('--user <name>', "admins: that user's jobs instead of your own")
    .option('--limit <n>', 'at most this many jobs', '20')
    .action(async (options: ListOptions, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const limit = whole('--limit', options.limit);
      const query: JobListQuery = {
        ...(options.state.length > 0 ? { state: options.state.join(',') } : {}),
        ...(options.app ? { app: options.app } : {}),
        ...(options.narrative ? { narrative: whole('--narrative', options.narrative) } : {}),
        ...(options.cell ? { cell: options.cell } : {}),
        ...(options.since ? { since: options.since } : {}),
        ...(options.until ? { until: options.until } : {}),
        ...(options.user ? { user: options.user } : {}),
      };
      const listed = await fetchUpTo(clientFrom(global), query, limit);
      const now = Date.now();
      emit(global, { jobs: listed.jobs.map(jobDocument), next: listed.next }, ({ jobs }) => table(jobs.map((j) => row(j, now)), COLUMNS));
    });
}

const COLUMNS = ['id', 'app', 'state', 'elapsed', 'narrative/cell', 'created'];

/** Pages of at most PAGE_MAX until `limit` jobs or the last page; `next` continues after the last job printed. */
async function fetchUpTo(client: NarrativeClient, query: JobListQuery, limit: number): Promise<{ jobs: Job[]; next: string | null }> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.listJobs({ ...query, limit: Math.min(limit - jobs.length, PAGE_MAX), ...(cursor ? { cursor } : {}) });
    jobs.push(...page.items);
    if (page.next === null || jobs.length >= limit) return { jobs, next: page.next };
    cursor = page.next;
  }
}

function row(j: JobDocument, now: number): Record<string, string> {
  return {
    id: String(j.jobId),
    app: `${j.app}@${j.version}`,
    state: stateWords(j),
    elapsed: elapsedText(j, now),
    'narrative/cell': j.narrative ? `${j.narrative.id}${j.narrative.cell ? `/${j.narrative.cell}` : ''}` : '',
    created: j.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  };
}

/** The state and what it means now: why a queued job waits (the API's own words), where one runs, why one failed. */
function stateWords(j: JobDocument): string {
  switch (j.state) {
    case 'queued':
      return `queued: ${j.waiting}`;
    case 'running':
      return j.node ? `running on ${j.node}` : 'running';
    case 'failed':
      return `failed: ${describeFailure(j.failure)}`;
    default:
      return j.state;
  }
}

function whole(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} wants a whole number from 1, not "${text}"`);
  return n;
}
