import { openJobStream } from '../../support/job-stream.js';
import type { KeepAliveHttp } from './http.js';
import type { Recorder } from './recorder.js';

/** One simulated user's account and what it set up before the load: its workspace, a reads object to run on, objects to read. */
export interface Account {
  name: string;
  token: string;
  ws: number;
  reads: string;
  refs: string[];
}

export interface Pace {
  /** Until when (performance.now()) the user keeps going. */
  until: number;
  /** The mean pause between two requests: a person reading the answer. */
  thinkMs: number;
  /** The mean time between the end of a user's job and its next one. */
  jobEveryMs: number;
  /** After when no new job starts, so that the queue left at the end drains soon. */
  jobsUntil: number;
}

const NOTES = 5;
const MIX: [Kind, number][] = [['list workspaces', 15], ['list objects', 25], ['get object', 35], ['save object', 25]];
type Kind = 'list workspaces' | 'list objects' | 'get object' | 'save object';

/**
 * A person at the lab: browses, opens and saves objects with a pause between
 * requests, and now and then runs the test app and follows its log to the end
 * while going on browsing. Resolves once the time is up and its last job has ended.
 */
export async function simulateUser(http: KeepAliveHttp, serverUrl: string, app: string, account: Account, pace: Pace, recorder: Recorder): Promise<void> {
  let saves = 0;
  let job: Promise<void> | null = null;
  let nextJobAt = performance.now() + Math.random() * pace.jobEveryMs;
  while (performance.now() < pace.until) {
    if (job === null && performance.now() >= nextJobAt && performance.now() < pace.jobsUntil) {
      job = runAndFollow(http, serverUrl, app, account, recorder).finally(() => {
        job = null;
        nextJobAt = performance.now() + pace.jobEveryMs * (0.5 + Math.random());
      });
    }
    const kind = pick();
    if (kind === 'save object') saves++;
    const answer = await http.send(...requestOf(kind, account, saves));
    recorder.record(kind, answer.ms, answer.status >= 200 && answer.status < 300, `${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    if (kind === 'save object' && answer.status < 300) account.refs.push((answer.body as { ref: string }).ref);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * pace.thinkMs));
  }
  await job;
}

function requestOf(kind: Kind, account: Account, saves: number): [string, string, string, unknown?] {
  switch (kind) {
    case 'list workspaces': return ['GET', '/workspaces', account.token];
    case 'list objects': return ['GET', `/workspaces/${account.ws}/objects?limit=20`, account.token];
    case 'get object': return ['GET', `/objects/${account.refs[Math.floor(Math.random() * account.refs.length)]!}`, account.token];
    case 'save object': return ['POST', `/workspaces/${account.ws}/objects`, account.token, { name: `note-${saves % NOTES}`, type: 'Report.Report-1.0', data: { title: `note ${saves} of ${account.name}` } }];
  }
}

function pick(): Kind {
  const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
  let left = Math.random() * total;
  for (const [kind, weight] of MIX) if ((left -= weight) < 0) return kind;
  return MIX[0]![0];
}

/** Submits a job, then follows its stream over the websocket until the end message: a failed job counts as an error. */
async function runAndFollow(http: KeepAliveHttp, serverUrl: string, app: string, account: Account, recorder: Recorder): Promise<void> {
  const started = performance.now();
  const submitted = await http.send('POST', '/jobs', account.token, { app, ws: String(account.ws), inputs: { reads: account.reads }, params: { mode: 'ok' } });
  const ok = submitted.status >= 200 && submitted.status < 300;
  recorder.record('run job', submitted.ms, ok, `${submitted.status} ${JSON.stringify(submitted.body).slice(0, 200)}`);
  if (!ok) return;
  const id = (submitted.body as { id: number }).id;
  const stream = openJobStream(serverUrl, id, { headers: { Authorization: `Bearer ${account.token}` } });
  try {
    const messages = await stream.untilEnd(120_000);
    const end = messages.find((m) => m.type === 'end') as { state: string };
    recorder.record('job, submitted to end message', performance.now() - started, end.state === 'completed', `job ${id} ended ${end.state}`);
    recorder.count('log lines followed', messages.filter((m) => m.type === 'log').length);
  } catch (error) {
    recorder.record('job, submitted to end message', performance.now() - started, false, `job ${id}: ${(error as Error).message.slice(0, 300)}`);
  } finally {
    await stream.close();
  }
}
