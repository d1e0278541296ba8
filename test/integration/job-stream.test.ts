import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBusyboxImage } from '@narrative/launcher-native';
import { loadConfig } from '@narrative/server';
import { schedulerIdOf, type AppSpec, type NarrativeClient } from '@narrative/server/client';
import { startHarness, type Harness } from '../support/harness.js';
import { openJobStream, positionsOf, refusal, streamUrl, type JobStream, type StreamMessage } from '../support/job-stream.js';
import { uploadReads } from '../support/test-app.js';

/**
 * A chattier app than the shared test app, so a reconnect can land in the
 * middle of the log; it waits with `sleep 297`, not 300, so it never looks
 * like the shared app to tests that look for that process.
 */
const SCRIPT = `#!/bin/sh
mode=$(sed -n 's/.*"mode": *"\\([a-z]*\\)".*/\\1/p' /in/params.json)
i=1
while [ $i -le 30 ]; do echo "line $i of $mode"; i=$((i+1)); done
echo "a line on stderr" >&2
case "$mode" in
  wait) echo "waiting"; sleep 297 ;;
  ok) echo 30 > /out/lines.txt
      echo '{"outputs":[{"name":"stats","type":"Report.Report-1.0","data":{"title":"streamed"},"files":["lines.txt"]}]}' > /out/outputs.json ;;
esac
`;

async function buildStreamApp(root: string): Promise<AppSpec> {
  await chmod(root, 0o711); // the unprivileged account that runs apps must reach the image
  const image = await buildBusyboxImage(join(root, 'image'), { 'run.sh': SCRIPT });
  return {
    id: 'test/stream-lines',
    version: '1.0.0',
    name: 'Stream lines',
    description: 'Writes thirty lines, then ends or waits (a test app on busybox).',
    categories: ['Test'],
    inputs: [{ name: 'reads', types: ['Genomics.Reads-1.0'], required: true, description: 'any reads' }],
    params: { type: 'object', properties: { mode: { type: 'string', enum: ['ok', 'wait'], default: 'ok' } } },
    outputs: [{ name: 'stats', type: 'Report.Report-1.0', description: 'the count' }],
    resources: { cpus: 1, memoryMiB: 64, timeMinutes: 5, gpus: 0 },
    network: false,
    mpi: false,
    container: { image: { digest: image.digest, format: 'directory', location: image.location } },
    argv: ['/bin/sh', '/app/run.sh'],
  };
}

describe('job stream websocket', () => {
  let h: Harness;
  let alice: NarrativeClient;
  let app: AppSpec;
  let wsid: number;
  let readsRef: string;
  let appRoot: string;

  before(async () => {
    // One slot: a waiting job holds it, so the next job stays queued for as long as a test needs.
    const env = { ...process.env, NARRATIVE_RECONCILE_MS: '100' };
    h = await startHarness(['alice', 'bob'], { execution: { ...loadConfig({}, env).execution, slots: 1 } });
    alice = h.users.alice!.client;
    appRoot = await mkdtemp(join(tmpdir(), 'narrative-stream-app-'));
    app = await buildStreamApp(appRoot);
    await h.admin.registerApp(app);
    wsid = (await alice.createWorkspace('alice-streams')).id;
    readsRef = await uploadReads(alice, wsid, '@r1\nACGT\n+\nIIII\n');
  });
  let stopped = false;
  after(async () => {
    if (!stopped) await h.stop();
    await rm(appRoot, { recursive: true, force: true });
  });

  const run = (mode: 'ok' | 'wait') => alice.run({ app: app.id, ws: String(wsid), inputs: { reads: readsRef }, params: { mode } });
  const stream = (id: number, o: { afterEvent?: number; afterLine?: number } = {}) =>
    openJobStream(h.server.url, id, { ...o, headers: { Authorization: `Bearer ${h.users.alice!.token}` } });
  const hasLine = (s: JobStream, text: string) => () => s.messages.some((m) => m.type === 'log' && m.text === text);

  /** A job holding the only slot, running its app. */
  async function blocker(): Promise<{ id: number; release(): Promise<void> }> {
    const { id } = await run('wait');
    const s = stream(id);
    await s.until(hasLine(s, 'waiting'), 'the blocker running');
    await s.close();
    return { id, release: async () => void (await alice.cancelJob(id)) };
  }

  /** The full record over REST: what the stream must add up to, each item once, in order. */
  async function expected(id: number): Promise<StreamMessage[]> {
    const events = (await alice.jobEvents(id)).map((e): StreamMessage => ({ type: 'event', ...e }));
    const lines = (await alice.jobLog(id)).lines.map((l): StreamMessage => ({ type: 'log', ...l }));
    return [...events, ...lines, { type: 'end', state: (await alice.job(id)).state }];
  }

  /** Events and lines each in REST's order, every seq and line number once, and `end` last. */
  async function assertComplete(id: number, got: StreamMessage[]): Promise<void> {
    const want = await expected(id);
    const only = (type: string, list: StreamMessage[]) => list.filter((m) => m.type === type);
    assert.deepEqual(only('event', got), only('event', want), 'events');
    assert.deepEqual(only('log', got), only('log', want), 'log lines');
    assert.deepEqual(got.at(-1), want.at(-1), 'ends with the final state');
    assert.equal(only('end', got).length, 1);
  }

  it('streams a job from queued to its end: events and log lines in order, then end and close 1000', async () => {
    const slot = await blocker();
    const { id } = await run('ok');
    const s = stream(id);
    await s.until(() => s.messages.some((m) => m.type === 'event' && m.event.state === 'queued'), 'the queued event');
    assert.equal((await alice.job(id)).state, 'queued', 'the event arrived while the job waited');
    await slot.release();
    const got = await s.untilEnd();
    assert.deepEqual(await s.closed, { code: 1000, reason: 'job ended' });
    await assertComplete(id, got);
    assert.deepEqual(got.at(-1), { type: 'end', state: 'completed' });
    assert.ok(hasLine(s, 'line 30 of ok')() && hasLine(s, 'a line on stderr')(), 'stdout and stderr lines');
  });

  it('resumes after a reconnect at every cut point of an ended job: nothing lost, nothing twice', async () => {
    const { id } = await run('ok');
    await alice.waitForJob(id);
    const whole = await stream(id).untilEnd();
    assert.deepEqual(whole, await expected(id), 'a fresh stream of an ended job is its events, its lines, then end');
    // The server may have sent more before the close; a client that dropped after `cut` messages resumes from what it processed.
    for (let cut = 1; cut < whole.length; cut++) {
      const first = stream(id);
      const seen = await first.take(cut);
      await first.close();
      const rest = await stream(id, positionsOf(seen)).untilEnd();
      assert.deepEqual([...seen, ...rest], whole, `cut after ${cut}`);
    }
  });

  it('resumes a live job after a reconnect with the last positions seen', async () => {
    const slot = await blocker();
    const { id } = await run('ok');
    const first = stream(id);
    await first.take(2);
    await first.close();
    await slot.release();
    // Reconnect while the job runs and writes its log: the second half is live, not replayed from the end.
    const second = stream(id, positionsOf(first.messages));
    await assertComplete(id, [...first.messages, ...(await second.untilEnd())]);
  });

  it('resumes in the middle of the log', async () => {
    const { id } = await run('ok');
    await alice.waitForJob(id);
    const events = await alice.jobEvents(id);
    const got = await stream(id, { afterEvent: events.at(-1)!.seq, afterLine: 17 }).untilEnd();
    const lines = (await alice.jobLog(id, 17)).lines;
    assert.equal(lines[0]?.n, 18);
    assert.deepEqual(got, [...lines.map((l) => ({ type: 'log', ...l })), { type: 'end', state: 'completed' }]);
  });

  it('streams the cancel of a running job, then ends', async () => {
    const { id } = await run('wait');
    const s = stream(id);
    await s.until(hasLine(s, 'waiting'), 'the app running');
    await alice.cancelJob(id);
    const got = await s.untilEnd();
    assert.equal((await s.closed).code, 1000);
    const states = got.flatMap((m) => (m.type === 'event' ? [m.event.state] : []));
    assert.equal(states.at(-1), 'cancelled');
    assert.deepEqual(got.at(-1), { type: 'end', state: 'cancelled' });
    assert.ok(hasLine(s, 'cancelled: stopping')(), 'the wrapper\'s last words arrive before the end');
    await assertComplete(id, got);
  });

  it('refuses anonymous callers, callers without access, missing jobs and tokens in the URL, as problem documents', async () => {
    const { id } = await run('ok');
    await alice.waitForJob(id);
    const url = streamUrl(h.server.url, id);
    const cases: [string, string, Record<string, string>, number][] = [
      ['anonymous', url, {}, 401],
      ['malformed Authorization', url, { Authorization: 'Bearer' }, 401],
      ['bob, who cannot read the workspace', url, { Authorization: `Bearer ${h.users.bob!.token}` }, 403],
      ['a missing job', streamUrl(h.server.url, 999_999), { Authorization: `Bearer ${h.users.alice!.token}` }, 404],
      ['a token in the URL', streamUrl(h.server.url, id, { query: { token: h.users.alice!.token } }), {}, 401],
      ['a token in the URL next to a header', streamUrl(h.server.url, id, { query: { token: 'x' } }), { Authorization: `Bearer ${h.users.alice!.token}` }, 400],
      ['a bad position', streamUrl(h.server.url, id, { query: { afterLine: '-1' } }), { Authorization: `Bearer ${h.users.alice!.token}` }, 400],
      ['a bad id', streamUrl(h.server.url, 'abc'), { Authorization: `Bearer ${h.users.alice!.token}` }, 400],
      ['no such endpoint', `${h.server.url.replace(/^http/, 'ws')}/api/v1/nothing`, {}, 404],
    ];
    for (const [who, target, headers, status] of cases) {
      const answer = await refusal(target, headers);
      assert.equal(answer.status, status, who);
      assert.equal(answer.type, 'application/problem+json', who);
      assert.equal(answer.body.status, status, who);
    }
  });

  it('accepts the browser session cookie from its own origin only', async () => {
    const { id } = await run('ok');
    await alice.waitForJob(id);
    const login = await h.fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'alice', password: 'alice-password' }) });
    assert.equal(login.status, 200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const own = new URL(h.server.url).origin;
    const got = await openJobStream(h.server.url, id, { headers: { Cookie: cookie, Origin: own } }).untilEnd();
    await assertComplete(id, got);
    const foreign = await refusal(streamUrl(h.server.url, id), { Cookie: cookie, Origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    const bobLogin = await h.fetch('/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'bob', password: 'bob-password' }) });
    const bobCookie = bobLogin.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    assert.equal((await refusal(streamUrl(h.server.url, id), { Cookie: bobCookie, Origin: own })).status, 403);
  });

  it('closes open streams when the server stops, without hanging', async () => {
    const { id } = await run('wait');
    const s = stream(id);
    await s.until(hasLine(s, 'waiting'), 'the app running');
    const schedulerId = schedulerIdOf(await alice.job(id));
    const started = Date.now();
    stopped = true;
    await h.stop();
    assert.equal((await s.closed).code, 1001);
    assert.ok(Date.now() - started < 10_000, `stopping took ${Date.now() - started} ms`);
    // Stopping the server leaves local jobs running; this one is not needed any more.
    await h.server.ctx.execution!.scheduler.cancel(schedulerId!);
  });
});
