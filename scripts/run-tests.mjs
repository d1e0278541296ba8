#!/usr/bin/env node
// Runs the compiled test files (tiers: scripts/test-files.mjs), each in its own `node --test` process
// with a time limit, so a hung file fails by name instead of hanging the run. Plain Node, no
// dependencies: it runs right after set-up.
//   node scripts/run-tests.mjs [--list] [unit|integration|browser] [substring...]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findTests, root, runsAlone, TIERS } from './test-files.mjs';

// Generous: the slowest file (real-apps) takes about 4 minutes, the scientist's path about 2 with
// its image build; under load either may take longer. Finite, so a hang ends with the file's name.
const TIMEOUT_MIN = Number(process.env.NARRATIVE_TEST_TIMEOUT_MIN || 20);
// A killed file's processes get this long to exit on SIGTERM before SIGKILL.
const KILL_GRACE_MS = 10_000;
// Files at once: one fewer than the CPUs, and two on two (most files mostly wait: on Slurm, a
// container, a browser). A file that runs alone (test-files.mjs) takes them all.
const CONCURRENCY = Number(process.env.NARRATIVE_TEST_CONCURRENCY) || Math.max(2, availableParallelism() - 1);

const args = process.argv.slice(2);
const list = args.includes('--list');
const words = args.filter((a) => a !== '--list');
const tier = TIERS.includes(words[0]) ? words.shift() : undefined;
const found = findTests();
const tests = found.filter((t) => (!tier || t.tier === tier) && (words.length === 0 || words.some((w) => t.source.includes(w) || t.name.includes(w))));
if (tests.length === 0) {
  process.stderr.write(found.length === 0 ? 'no test files found: did the build run?\n' : `no test files match ${args.join(' ')}\n`);
  process.exit(1);
}
if (list) {
  for (const t of tests) process.stdout.write(`${t.tier.padEnd(12)} ${t.source}\n`);
  process.exit(0);
}

const env = { ...process.env, NARRATIVE_LOG_LEVEL: process.env.NARRATIVE_LOG_LEVEL ?? 'silent' };
// Servers a test starts from the defaults build no bundled apps in the background: that would race
// the test's own registrations and load the machine. The tests of that feature turn it on themselves.
env.NARRATIVE_BUNDLED_APPS = process.env.NARRATIVE_BUNDLED_APPS ?? 'off';
if (process.stdout.isTTY && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1'; // children write to a pipe
// Screenshots never land in docs/ unless asked (npm run screenshots): one temp directory for the run.
if (env.NARRATIVE_SCREENSHOTS_DIR) env.NARRATIVE_SCREENSHOTS_DIR = resolve(env.NARRATIVE_SCREENSHOTS_DIR);
else if (tests.some((t) => t.tier === 'browser')) env.NARRATIVE_SCREENSHOTS_DIR = mkdtempSync(join(tmpdir(), 'narrative-screenshots-'));

process.stdout.write(`running ${tests.length} ${tier ? `${tier} ` : ''}test file${tests.length === 1 ? '' : 's'}, up to ${CONCURRENCY} at a time (${tests.filter(runsAlone).length} alone), each limited to ${TIMEOUT_MIN} min: ${tests.map((t) => t.source).join(', ')}\n`);
if (env.NARRATIVE_SCREENSHOTS_DIR) process.stdout.write(`screenshots go to ${env.NARRATIVE_SCREENSHOTS_DIR}\n`);

// Output of files running at once is not interleaved: the oldest streams, the others wait their turn.
const running = [];
function write(run, stream, chunk) {
  if (run === running[0]) stream.write(chunk);
  else run.held.push([stream, chunk]);
}
function settle(run) {
  run.done = true;
  while (running[0]?.done) {
    running.shift();
    for (const [stream, chunk] of running[0]?.held.splice(0) ?? []) stream.write(chunk);
  }
}

/** Signals a file's whole process group: the test file and the servers and tools it started. */
function signal(run, name) {
  try { process.kill(-run.child.pid, name); } catch { /* already gone */ }
}

function runFile(test) {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', test.file], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const run = { child, held: [], done: false };
    running.push(run);
    child.stdout.on('data', (c) => write(run, process.stdout, c));
    child.stderr.on('data', (c) => write(run, process.stderr, c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      signal(run, 'SIGTERM');
      setTimeout(() => {
        signal(run, 'SIGKILL');
        // A process that left the group may still hold the pipes open.
        child.stdout.destroy();
        child.stderr.destroy();
      }, KILL_GRACE_MS).unref();
    }, TIMEOUT_MIN * 60_000);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const outcome = timedOut
        ? `timed out after ${TIMEOUT_MIN} min and was killed, with the processes it started (NARRATIVE_TEST_TIMEOUT_MIN sets the limit)`
        : code === 0 ? 'passed' : `failed (${code === null ? sig : `exit ${code}`})`;
      write(run, process.stdout, `${code === 0 ? '✔' : '✖'} ${test.source}: ${outcome}\n`);
      settle(run);
      done({ test, ok: code === 0 && !timedOut, outcome });
    });
  });
}

// Files run in their own process groups, so an interrupt of this runner is passed on to them.
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => {
    for (const run of running) signal(run, name);
    process.exit(128 + (name === 'SIGINT' ? 2 : 15));
  });
}

// Files in order as they fit beside what runs; a file that runs alone waits for an idle machine, so those tend to come last.
const queue = [...tests];
const results = [];
let busy = 0;
await new Promise((allDone) => {
  const startWhatFits = () => {
    for (let i = 0; i < queue.length;) {
      const cost = runsAlone(queue[i]) ? CONCURRENCY : 1;
      if (busy > 0 && busy + cost > CONCURRENCY) {
        i++;
        continue;
      }
      const [test] = queue.splice(i, 1);
      busy += cost;
      runFile(test).then((result) => {
        results.push(result);
        busy -= cost;
        if (queue.length === 0 && busy === 0) allDone();
        else startWhatFits();
      });
    }
  };
  startWhatFits();
});
const failed = results.filter((r) => !r.ok);
process.stdout.write(`\n${tests.length} file${tests.length === 1 ? '' : 's'}: ${tests.length - failed.length} passed, ${failed.length} failed\n`);
for (const r of failed) process.stdout.write(`  ✖ ${r.test.source}: ${r.outcome}\n`);
process.exit(failed.length === 0 ? 0 : 1);
