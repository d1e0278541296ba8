import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import type { NarrativeRun } from '@narrative/server/client';
import { cliHomeIn, runCli } from './cli.js';
import { startHarness } from './harness.js';

const run = promisify(execFile);

/** What the air-gapped side saw, printed as JSON on stdout for the test that started it. */
export interface AirGappedReport {
  interfaces: string[];
  /** How reaching a server on the machine's network address ended: it must not have been reached. */
  outside: string;
  imported: number;
  restoredJobs: Record<string, number>;
  runAll: { code: number; stderr: string; run: NarrativeRun | null };
}

/**
 * Run inside a new network namespace (`unshare --net node air-gapped-import.js
 * <archive> <outside-url>`): brings up loopback only, starts a fresh server
 * with an empty data directory on the local scheduler, imports the archive
 * with the CLI as a developer, and runs all its app cells verified with the
 * CLI, waiting for the end. Everything the server needs must come from the
 * archive: there is no other network to fetch it from.
 */
async function main(archive: string, outsideUrl: string): Promise<AirGappedReport> {
  await run('ip', ['link', 'set', 'lo', 'up']);
  const outside = await fetch(outsideUrl, { signal: AbortSignal.timeout(5_000) }).then((r) => `answered ${r.status}`, (error: Error) => `refused: ${String((error.cause as Error | undefined)?.message ?? error.message)}`);
  const h = await startHarness();
  try {
    const { token } = await h.admin.createUser('erin', 'developer', 'erin-password');
    const cli = { url: h.server.url, home: await cliHomeIn(h.home), token, timeoutMs: 15 * 60_000 };
    const imported = await runCli(['import', archive], cli);
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
    const id = Number(imported.stdout.trim());
    const notebook = (await h.client(token).notebook(id)) as { cells: { id: string; metadata: { narrative?: { app?: { jobId?: number } } } }[] };
    const restoredJobs = Object.fromEntries(notebook.cells.flatMap((c) => (c.metadata.narrative?.app?.jobId ? [[c.id, c.metadata.narrative.app.jobId]] : [])));
    const runAll = await runCli(['run-all', String(id), '--verify', '--wait', '--json'], cli);
    return {
      interfaces: Object.keys(networkInterfaces()),
      outside,
      imported: id,
      restoredJobs,
      runAll: { code: runAll.code, stderr: runAll.stderr, run: runAll.stdout.trim() ? (JSON.parse(runAll.stdout) as NarrativeRun) : null },
    };
  } finally {
    await h.stop();
  }
}

const [archive, outsideUrl] = process.argv.slice(2);
if (!archive || !outsideUrl) {
  process.stderr.write('usage: air-gapped-import <archive> <outside-url>\n');
  process.exitCode = 2;
} else {
  main(archive, outsideUrl).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exitCode = 1;
    },
  );
}
