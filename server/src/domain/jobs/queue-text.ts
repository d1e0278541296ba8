/**
 * Where a job stands, in words a scientist reads rather than a scheduler's
 * vocabulary: why it waits (Slurm's pending reasons, and the local
 * scheduler's own) and for how long it has waited or run. Pure, with no
 * Node or browser imports: the server fills the Job API's `waiting` with it,
 * and the typed client re-exports it for the CLI and the lab.
 */

/** Why a job waits, by Slurm's pending reason (squeue's %r); `ahead` adds how many jobs are before it. */
const REASONS: Record<string, { text: string; ahead?: true }> = {
  Resources: { text: 'waiting for free CPUs/memory', ahead: true },
  Priority: { text: 'waiting behind higher-priority jobs', ahead: true },
  Dependency: { text: 'waiting for an earlier step to finish' },
  DependencyNeverSatisfied: { text: 'will never run: an earlier step did not complete' },
  JobHeldUser: { text: 'held: it waits until it is released' },
  JobHeldAdmin: { text: 'held by an administrator' },
  'launch failed requeued held': { text: 'held: its launch failed, and an administrator must release it' },
  BeginTime: { text: 'waiting for its start time' },
  Reservation: { text: 'waiting for its reservation to start' },
  Licenses: { text: 'waiting for a licence' },
  Cleaning: { text: 'waiting while the cluster cleans up after its last run' },
  ReqNodeNotAvail: { text: "the partition's nodes are unavailable" },
  PartitionDown: { text: "the partition's nodes are unavailable" },
  PartitionInactive: { text: "the partition's nodes are unavailable" },
  NodeDown: { text: "the partition's nodes are unavailable" },
  FrontEndDown: { text: "the partition's nodes are unavailable" },
  PartitionTimeLimit: { text: 'cannot start: it asks for more time than the partition allows' },
  PartitionNodeLimit: { text: 'cannot start: it asks for more nodes than the partition allows' },
  BadConstraints: { text: 'cannot start: no node has what it asks for' },
  InvalidAccount: { text: 'cannot start: its account is not valid on the cluster' },
  InvalidQOS: { text: 'cannot start: its quality of service is not valid on the cluster' },
  QOSNotAllowed: { text: 'cannot start: its quality of service is not allowed in this partition' },
  JobArrayTaskLimit: { text: 'waiting for other jobs of the same bulk run (it runs only so many at once)' },
  // The local scheduler's own reason, already in words; it keeps the count ahead.
  'waiting for a free slot': { text: 'waiting for a free slot on this machine', ahead: true },
};

/** What an association (account) or QOS limit caps, from its name once `Assoc`/`QOS` and `Grp`/`Max`/`Min` are off: the first that matches. */
const LIMITED: [RegExp, string][] = [
  [/GRES|GPU/i, 'GPUs'],
  [/Billing/, 'billing units'],
  [/CPU(Run)?Min/i, 'CPU time'],
  [/Mem/, 'memory'],
  [/Wall|Min|Time/, 'time'],
  [/CPU/i, 'CPUs'],
  [/Node/, 'nodes'],
  [/Submit/, 'submitted jobs'],
  [/Job/, 'jobs'],
];

/**
 * A queued job's reason and position as one sentence: "waiting for free
 * CPUs/memory: 2 jobs ahead". `position` is the scheduler's order of pending
 * jobs (1: next to start). A dependant's reason from the schedulers
 * ("waiting for job 12") is an earlier step; an unknown reason keeps the
 * scheduler's own word, which an operator can look up.
 */
export function queueText(reason: string | null, position: number | null): string {
  const word = reason?.trim().replace(/^\((.*)\)$/, '$1') ?? '';
  if (word === '' || word === 'None') return withAhead('waiting in the queue', position);
  if (/^waiting for jobs? \d/.test(word)) return REASONS.Dependency!.text;
  // "ReqNodeNotAvail, UnavailableNodes:n1,n2": the reason is the first word.
  const head = Object.hasOwn(REASONS, word) ? word : word.split(/[,\s]/)[0]!;
  const known = Object.hasOwn(REASONS, head) ? REASONS[head]! : undefined;
  if (known) return known.ahead ? withAhead(known.text, position) : known.text;
  // AssocGrpCpuLimit, AssocMaxJobsLimit, QOSMaxGRESPerJob, QOSGrpMemRunMinutes, ...: a limit of the account or its QOS.
  if (/^(Assoc|QOS)[A-Z]/.test(head)) return accountLimit(head);
  return word;
}

function accountLimit(reason: string): string {
  const middle = reason.replace(/^(Assoc|QOS)(Grp|Max|Min)?/, '');
  const what = LIMITED.find(([pattern]) => pattern.test(middle))?.[1];
  return what ? `held: over the account's limit on ${what}` : "held: over the account's limit";
}

function withAhead(text: string, position: number | null): string {
  if (position === null || !Number.isInteger(position) || position < 1) return text;
  const ahead = position - 1;
  return `${text}: ${ahead === 0 ? 'next in line' : ahead === 1 ? '1 job ahead' : `${ahead} jobs ahead`}`;
}

/** The part of a job `elapsedOf` reads: its state and times, as the Job API has them. */
export interface JobTimes {
  state: string;
  createdAt: string;
  startedAt?: string | null;
  endedAt?: string;
}

/**
 * How long a job has been where it is, at `now` (ms since the epoch):
 * `queued` since it was made (created or queued: the submission takes a
 * moment), `running` since it started, `ran` from start to end, or
 * `waited` from its making to its end when it never started. Null when a
 * time cannot be read. Milliseconds, never negative (clocks differ a little).
 */
export function elapsedOf(job: JobTimes, now: number): { phase: 'queued' | 'running' | 'ran' | 'waited'; ms: number } | null {
  const t = (iso: string | null | undefined) => (iso ? Date.parse(iso) : NaN);
  const span = (from: number, to: number) => (Number.isFinite(from) && Number.isFinite(to) ? Math.max(0, to - from) : null);
  const created = t(job.createdAt);
  const started = t(job.startedAt);
  let phase: 'queued' | 'running' | 'ran' | 'waited';
  let ms: number | null;
  if (job.state === 'created' || job.state === 'queued') [phase, ms] = ['queued', span(created, now)];
  else if (job.state === 'running') [phase, ms] = ['running', span(Number.isFinite(started) ? started : created, now)];
  else if (Number.isFinite(started)) [phase, ms] = ['ran', span(started, t(job.endedAt))];
  else [phase, ms] = ['waited', span(created, t(job.endedAt))];
  return ms === null ? null : { phase, ms };
}

/**
 * How each shape of a duration is said. English here; the lab passes its
 * translations, so the CLI and the lab round and drop parts alike.
 */
export interface DurationWords {
  s(s: number): string;
  min(min: number): string;
  h(h: number): string;
  hMin(h: number, min: number): string;
  d(d: number): string;
  dH(d: number, h: number): string;
}

const ENGLISH: DurationWords = {
  s: (s) => `${s} s`,
  min: (min) => `${min} min`,
  h: (h) => `${h} h`,
  hMin: (h, min) => `${h} h ${min} min`,
  d: (d) => `${d} d`,
  dH: (d, h) => `${d} d ${h} h`,
};

/** A duration for people: "40 s", "2 min", "1 h 5 min", "3 d 4 h"; at most two parts, the second left out when zero. */
export function durationText(ms: number, words: DurationWords = ENGLISH): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return words.s(s);
  const min = Math.floor(s / 60);
  if (min < 60) return words.min(min);
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? words.h(h) : words.hMin(h, min % 60);
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? words.d(d) : words.dH(d, h % 24);
}

/** `elapsedOf` as words: "queued for 2 min", "running for 40 s", "ran for 3 min", "waited 5 s, never ran". */
export function elapsedText(job: JobTimes, now: number): string {
  const e = elapsedOf(job, now);
  if (!e) return '';
  const d = durationText(e.ms);
  return e.phase === 'queued' ? `queued for ${d}` : e.phase === 'running' ? `running for ${d}` : e.phase === 'ran' ? `ran for ${d}` : `waited ${d}, never ran`;
}
