import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('./process-group.js', import.meta.url));

/**
 * A group leader as the build runner is: it starts a child that ends on
 * SIGTERM and, if asked, one that ignores it; says their pids; then ends its group.
 */
const LEADER = `
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
const { endOwnGroup } = await import(process.argv[1]);
process.on('SIGTERM', () => undefined);
const meek = spawn('sleep', ['30'], { stdio: 'ignore' });
const pids = [meek.pid];
if (process.argv[2] === 'stubborn') {
  const stubborn = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => undefined); console.log('ready'); setInterval(() => undefined, 1000)"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => stubborn.stdout.once('data', resolve));
  pids.push(stubborn.pid);
}
console.log(JSON.stringify(pids));
await endOwnGroup(1000);
process.exit(0);
`;

async function lead(kind: 'meek' | 'stubborn') {
  const leader = spawn(process.execPath, ['--input-type=module', '-e', LEADER, MODULE, kind], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => leader.once('exit', (code, signal) => resolve({ code, signal })));
  const line = await new Promise<string>((resolve) => createInterface({ input: leader.stdout! }).once('line', resolve));
  const started = Date.now();
  return { pids: JSON.parse(line) as number[], group: leader.pid!, ...(await ended), ms: Date.now() - started };
}

/** Whether a process has ended (a zombie has: it only waits to be reaped, by whoever adopted it). */
async function gone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** Whether every process of the group has ended. */
async function groupGone(group: number): Promise<boolean> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z') return false;
  }
  return true;
}

const allGone = async (pids: number[], group: number) => (await Promise.all(pids.map(gone))).every(Boolean) && (await groupGone(group));

/**
 * Whether the group is gone within a moment: SIGKILL is delivered at once, but a busy machine may
 * take a few milliseconds to end a killed process, so a look right after the leader's end can still see it.
 */
async function goneSoon(pids: number[], group: number): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while (!(await allGone(pids, group))) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe("ending a build's process group", () => {
  it('ends the group with SIGTERM and returns as soon as the others are gone', async () => {
    const { pids, group, code, ms } = await lead('meek');
    assert.equal(code, 0);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(await allGone(pids, group));
  });

  it('kills what ignores SIGTERM once the wait is over, the leader with it: its end is the whole group\'s', async () => {
    const { pids, group, signal, ms } = await lead('stubborn');
    assert.equal(signal, 'SIGKILL');
    assert.ok(ms >= 900, `${ms} ms`);
    assert.ok(await goneSoon(pids, group));
  });
});
