import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filePath } from './layout.js';
import { readLog } from './log.js';
import { LOG_END_BYTES, readLogEnd } from './log-end.js';

const T = '2025-01-01T00:00:00.000Z';
const line = (text: string, stream = 'stdout') => `${JSON.stringify({ t: T, stream, text })}\n`;
const texts = (lines: { text: string }[]) => lines.map((l) => l.text);

describe('readLogEnd', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'log-end-'))));
  after(() => rm(dir, { recursive: true, force: true }));
  let made = 0;
  /** A job directory whose log holds exactly `content`. */
  const jobWith = async (content: string) => {
    const jobDir = join(dir, `job-${++made}`);
    await mkdir(jobDir);
    await writeFile(filePath(jobDir, 'log'), content);
    return jobDir;
  };

  it('gives the last lines of a small log as the whole-file reader has them, and says whether earlier ones exist', async () => {
    const jobDir = await jobWith(line('one') + line('two', 'stderr') + line('three') + line('four'));
    const whole = (await readLog(jobDir)).lines.map(({ n: _n, ...rest }) => rest);
    assert.deepEqual(await readLogEnd(jobDir, 2), { lines: whole.slice(2), truncated: true });
    assert.deepEqual(await readLogEnd(jobDir, 4), { lines: whole, truncated: false });
    assert.deepEqual(await readLogEnd(jobDir, 500), { lines: whole, truncated: false });
    assert.deepEqual((await readLogEnd(jobDir, 3)).lines[0], { t: T, stream: 'stderr', text: 'two' });
  });

  it('leaves out a last line without its newline, and empty lines, and shows a line that is not JSON as a system line', async () => {
    const jobDir = await jobWith('\n' + line('first') + '\n\n' + 'not json at all\n' + line('bad stream', 'elsewhere') + line('half').slice(0, 12));
    assert.deepEqual(await readLogEnd(jobDir, 2), {
      lines: [
        { t: '', stream: 'system', text: 'not json at all' },
        { t: '', stream: 'system', text: line('bad stream', 'elsewhere').trim() },
      ],
      truncated: true,
    });
    assert.deepEqual(texts((await readLogEnd(jobDir, 3)).lines), ['first', 'not json at all', line('bad stream', 'elsewhere').trim()]);
    assert.equal((await readLogEnd(jobDir, 3)).truncated, false, 'only empty lines come before the first');
    assert.deepEqual(await readLogEnd(await jobWith(line('still being written').slice(0, 20)), 5), { lines: [], truncated: false });
  });

  it('treats a missing or empty log as empty', async () => {
    const jobDir = join(dir, 'never-started');
    await mkdir(jobDir);
    assert.deepEqual(await readLogEnd(jobDir, 5), { lines: [], truncated: false });
    assert.deepEqual(await readLogEnd(await jobWith(''), 5), { lines: [], truncated: false });
  });

  it('reads a big log (> 256 KiB) from its end only: the last lines, and truncated', async () => {
    const count = 20_000;
    const content = Array.from({ length: count }, (_, i) => line(`line ${i + 1} ${'x'.repeat(40)}`)).join('') + line('partial').slice(0, 5);
    assert.ok(content.length > 4 * LOG_END_BYTES);
    const jobDir = await jobWith(content);
    const last = await readLogEnd(jobDir, 3);
    assert.deepEqual(texts(last.lines), [count - 2, count - 1, count].map((n) => `line ${n} ${'x'.repeat(40)}`));
    assert.equal(last.truncated, true);
    // More lines asked than 256 KiB holds: as many whole lines as fit, the one cut by the cap left out.
    const capped = await readLogEnd(jobDir, 500_000);
    const lineBytes = line(`line ${count} ${'x'.repeat(40)}`).length;
    assert.ok(capped.lines.length >= Math.floor(LOG_END_BYTES / lineBytes) - 1 && capped.lines.length <= Math.floor(LOG_END_BYTES / lineBytes), String(capped.lines.length));
    assert.equal(capped.lines.at(-1)!.text, `line ${count} ${'x'.repeat(40)}`);
    const first = Number(/^line (\d+) /.exec(capped.lines[0]!.text)![1]);
    assert.deepEqual(texts(capped.lines), Array.from({ length: capped.lines.length }, (_, i) => `line ${first + i} ${'x'.repeat(40)}`), 'consecutive, none cut');
    assert.equal(capped.truncated, true);
  });

  it('costs the same for a log of gigabytes: only its end is read', async () => {
    // A sparse file: a line of 3 GiB of hole (no disk used), then two more. Reading it whole would fail (too big for one buffer).
    const jobDir = await jobWith('');
    const file = await open(filePath(jobDir, 'log'), 'r+');
    try {
      await file.truncate(3 * 1024 ** 3);
      await file.write('\n' + line('near the end') + line('the end'), 3 * 1024 ** 3);
    } finally {
      await file.close();
    }
    assert.deepEqual(await readLogEnd(jobDir, 2), { lines: [{ t: T, stream: 'stdout', text: 'near the end' }, { t: T, stream: 'stdout', text: 'the end' }], truncated: true });
    assert.deepEqual(texts((await readLogEnd(jobDir, 5)).lines), ['near the end', 'the end'], 'the hole is never read: as one line it would be 3 GiB');
  });

  it('stops at the cap: a line longer than it gives nothing, truncated; a smaller cap reads less', async () => {
    const jobDir = await jobWith(line('short') + line('y'.repeat(300 * 1024)));
    assert.deepEqual(await readLogEnd(jobDir, 2), { lines: [], truncated: true });
    const small = await jobWith(line('a') + line('b') + line('c'));
    assert.deepEqual(await readLogEnd(small, 3, line('c').length + 1), { lines: [{ t: T, stream: 'stdout', text: 'c' }], truncated: true });
    assert.deepEqual(texts((await readLogEnd(small, 3, line('c').length * 3)).lines), ['a', 'b', 'c']);
  });

  it('agrees with the whole-file reader on every count and cap, line boundaries or not', async () => {
    const jobDir = await jobWith(Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? '\n' : line(`n${i}${'z'.repeat(i * 37)}`))).join(''));
    const whole = (await readLog(jobDir)).lines.map(({ n: _n, ...rest }) => rest);
    for (let count = 1; count <= 40; count += 3) {
      const end = await readLogEnd(jobDir, count);
      assert.deepEqual(end.lines, whole.slice(-count), `count ${count}`);
      assert.equal(end.truncated, count < whole.length, `count ${count}`);
    }
  });
});
