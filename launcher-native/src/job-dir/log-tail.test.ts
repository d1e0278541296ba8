import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filePath } from './layout.js';
import { readLog } from './log.js';
import { LogTail } from './log-tail.js';

const line = (text: string, stream = 'stdout') => `${JSON.stringify({ t: '2025-01-01T00:00:00.000Z', stream, text })}\n`;

describe('LogTail', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'log-tail-'))));
  after(() => rm(dir, { recursive: true, force: true }));
  /** A fresh job directory, and the path of its log, written raw here to test the reader. */
  const jobLog = async (name: string) => {
    await mkdir(join(dir, name));
    return { jobDir: join(dir, name), path: filePath(join(dir, name), 'log') };
  };

  it('treats a missing file as an empty log, then follows it as it grows, a line only once complete', async () => {
    const { jobDir, path } = await jobLog('grow');
    const tail = new LogTail(jobDir, 0);
    assert.deepEqual(await tail.read(1 << 20), { lines: [], atEnd: true });
    const first = line('one');
    await writeFile(path, first + line('two').slice(0, 10));
    assert.deepEqual((await tail.read(1 << 20)).lines.map((l) => [l.n, l.text]), [[1, 'one']]);
    await appendFile(path, line('two').slice(10) + line('three', 'stderr'));
    const next = await tail.read(1 << 20);
    assert.deepEqual(next.lines.map((l) => [l.n, l.stream, l.text]), [[2, 'stdout', 'two'], [3, 'stderr', 'three']]);
    assert.equal(tail.lastLine, 3);
    assert.deepEqual(await tail.read(1 << 20), { lines: [], atEnd: true });
  });

  it('skips the lines up to afterLine, numbering as the REST log does (empty lines do not count)', async () => {
    const { jobDir, path } = await jobLog('skip');
    await writeFile(path, line('a') + '\n' + line('b') + line('c') + 'not json\n' + line('bad stream', 'elsewhere') + line('half').slice(0, 8));
    const expected = [
      { n: 3, t: '2025-01-01T00:00:00.000Z', stream: 'stdout', text: 'c' },
      { n: 4, t: '', stream: 'system', text: 'not json' },
      { n: 5, t: '', stream: 'system', text: line('bad stream', 'elsewhere').trim() },
    ];
    assert.deepEqual((await new LogTail(jobDir, 2).read(1 << 20)).lines, expected);
    assert.deepEqual(await readLog(jobDir, 2), { lines: expected, next: 5 }, 'the whole-file reader agrees');
  });

  it('reads at most about its budget per call, and lines longer than a chunk whole', async () => {
    const { jobDir, path } = await jobLog('long');
    const long = 'x'.repeat(200 * 1024);
    const text = 'é✓'.repeat(50_000); // multi-byte characters split across chunk edges
    await writeFile(path, line(long) + line(text) + Array.from({ length: 100 }, (_, i) => line(`short ${i}`)).join(''));
    const tail = new LogTail(jobDir, 0);
    const got: string[] = [];
    let calls = 0;
    for (let done = false; !done; calls++) {
      const { lines, atEnd } = await tail.read(64 * 1024);
      got.push(...lines.map((l) => l.text));
      done = atEnd;
    }
    assert.ok(calls > 5, `read in ${calls} calls`);
    assert.deepEqual(got, [long, text, ...Array.from({ length: 100 }, (_, i) => `short ${i}`)]);
  });

  it('gives a checkpoint after its complete lines, from which another tail continues exactly', async () => {
    const { jobDir, path } = await jobLog('checkpoint');
    await writeFile(path, line('one') + '\n' + line('two') + line('three').slice(0, 9));
    const first = new LogTail(jobDir, 0);
    await first.read(1 << 20);
    const at = first.checkpoint;
    assert.equal(at.line, 2);
    await appendFile(path, line('three').slice(9) + line('four'));
    const resumed = new LogTail(jobDir, 2, at);
    assert.deepEqual((await resumed.read(1 << 20)).lines.map((l) => [l.n, l.text]), [[3, 'three'], [4, 'four']]);
    const skipping = new LogTail(jobDir, 3, at);
    assert.deepEqual((await skipping.read(1 << 20)).lines.map((l) => [l.n, l.text]), [[4, 'four']], 'lines after the checkpoint up to afterLine are skipped');
    assert.deepEqual((await first.read(1 << 20)).lines.map((l) => l.n), [3, 4], 'the first tail goes on as before');
  });
});
