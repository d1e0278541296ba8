import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import type { Job } from '../domain/jobs/job.js';
import { JobHub, type JobSource } from './job-hub.js';
import { HIGH_WATER_BYTES, JobSubscriber } from './job-subscriber.js';

interface Line { n: number; text: string }
type Message = { type: 'lines'; lines: Line[] } | { type: 'event'; seq: number } | { type: 'end'; state: string };

/** Log lines as the wrapper writes them, `count` of them from number `from`, padded to make the log weigh something. */
const logLines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `${JSON.stringify({ t: '2025-01-01T00:00:00.000Z', stream: 'stdout', text: `line ${from + i} ${'x'.repeat(60)}` })}\n`).join('');

/** A client: every line received in order, how many messages brought them, and the end. */
class Client {
  readonly lines: number[] = [];
  messages = 0;
  ended: string | null = null;
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve) => this.socket.once('open', () => resolve()));
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
      this.messages++;
      if (message.type === 'lines') this.lines.push(...message.lines.map((l) => l.n));
      if (message.type === 'end') this.ended = message.state;
    });
  }

  async until(test: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !test(); waited += 20) {
      if (waited > 60_000) throw new Error(`no ${what}: ${this.lines.length} lines, last ${this.lines.at(-1)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A hub on a job whose log is in `dir`, behind a websocket server on loopback, created by a first subscriber at `firstLine`. */
async function hubOn(dir: string, firstLine: number) {
  const state = { job: { state: 'running' } as Job };
  const source: JobSource = {
    jobId: 1,
    jobDir: dir,
    job: async () => state.job,
    events: async (after) => [{ seq: 1, at: '2025-01-01T00:00:00.000Z', event: { type: 'state', state: 'running' } }].filter((e) => e.seq > after),
    onChange: () => () => {},
  };
  const hub = new JobHub(source, firstLine, (error) => assert.fail(String(error)));
  /** The server side of each connection, in the order the clients connected. */
  const sockets: WebSocket[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.push(ws);
    const afterLine = Number(new URL(req.url!, 'http://x').searchParams.get('afterLine'));
    const subscriber = new JobSubscriber(ws, { afterEvent: 0, afterLine, recheck: async () => {} });
    ws.once('close', () => hub.remove(subscriber));
    hub.add(subscriber);
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    sockets,
    async connect(afterLine: number): Promise<Client> {
      const client = new Client(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/?afterLine=${afterLine}`);
      await client.opened;
      return client;
    },
    async stop(): Promise<void> {
      await hub.stop();
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('JobHub: one reader per job, fanned out to every subscriber', () => {
  let dir: string;
  let served: Awaited<ReturnType<typeof hubOn>>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'job-hub-'));
    served = await hubOn(dir, 0);
  });
  after(async () => {
    await served.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const connect = (afterLine: number) => served.connect(afterLine);

  it('sends each batch of lines to every subscriber as one message, every line once and in order', async () => {
    const clients = await Promise.all([connect(0), connect(0), connect(0)]);
    await writeFile(join(dir, 'log.jsonl'), logLines(1, 500));
    for (const c of clients) await c.until(() => c.lines.length >= 500, '500 lines');
    await appendFile(join(dir, 'log.jsonl'), logLines(501, 500));
    for (const c of clients) {
      await c.until(() => c.lines.length >= 1000, '1000 lines');
      assert.deepEqual(c.lines, range(1, 1000));
      assert.ok(c.messages < 100, `${c.messages} messages for 1000 lines and an event`);
      c.socket.close();
    }
  });

  it('holds a subscriber that stops reading to a bounded buffer, keeps the others going, and lets it resume exactly', async () => {
    const slow = await connect(1000);
    const quick = await connect(1000);
    slow.socket.pause();
    // Several times what memory keeps (8 MiB) and what a socket may hold: the slow one must go back to the file.
    let last = 1000;
    for (let round = 0; round < 6; round++) {
      await appendFile(join(dir, 'log.jsonl'), logLines(last + 1, 50_000));
      last += 50_000;
      await quick.until(() => quick.lines.at(-1) === last, `line ${last}`);
    }
    assert.deepEqual(quick.lines, range(1001, last), 'the reading subscriber got every line, the slow one notwithstanding');
    const slowSide = served.sockets.at(-2)!;
    assert.ok(slowSide.bufferedAmount < HIGH_WATER_BYTES + 512 * 1024, `the slow socket holds ${slowSide.bufferedAmount} bytes`);
    slow.socket.resume();
    await slow.until(() => slow.lines.at(-1) === last, `line ${last} for the slow one`);
    assert.deepEqual(slow.lines, range(1001, last), 'the slow subscriber, once reading again, got every line once and in order');
    slow.socket.close();
    quick.socket.close();
  });

  it('starts a late subscriber exactly after its line, from memory, the middle of a batch or the file', async () => {
    const last = 301_000;
    for (const afterLine of [0, 5, 123_456, 299_999, 300_500, last]) {
      const late = await connect(afterLine);
      await late.until(() => (late.lines.at(-1) ?? afterLine) === last, `line ${last} after ${afterLine}`);
      assert.deepEqual(late.lines, range(afterLine + 1, last), `after line ${afterLine}`);
      late.socket.close();
    }
  });

  it('ends every stream once the job is final and its log complete', async () => {
    const clients = await Promise.all([connect(301_000), connect(300_990)]);
    await appendFile(join(dir, 'log.jsonl'), logLines(301_001, 10));
    served.state.job = { state: 'completed', endedAt: new Date().toISOString() } as Job;
    await writeFile(join(dir, 'result.json'), '{}');
    for (const c of clients) {
      await c.until(() => c.ended !== null, 'the end');
      assert.equal(c.ended, 'completed');
      assert.equal(c.lines.at(-1), 301_010);
    }
  });

  it('gives every subscriber its lines and its end when the first one asked for a line far past the log', async () => {
    const other = await mkdtemp(join(tmpdir(), 'job-hub-'));
    await writeFile(join(other, 'log.jsonl'), logLines(1, 20));
    const ahead = await hubOn(other, 1e12);
    try {
      const first = await ahead.connect(1e12);
      const reader = await ahead.connect(0);
      await reader.until(() => reader.lines.length >= 20, '20 lines');
      await appendFile(join(other, 'log.jsonl'), logLines(21, 5));
      ahead.state.job = { state: 'completed', endedAt: new Date().toISOString() } as Job;
      await writeFile(join(other, 'result.json'), '{}');
      for (const c of [first, reader]) await c.until(() => c.ended !== null, 'the end');
      assert.deepEqual(reader.lines, range(1, 25));
      assert.deepEqual(first.lines, []);
    } finally {
      await ahead.stop();
      await rm(other, { recursive: true, force: true });
    }
  });
});
