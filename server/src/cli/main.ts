#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ApiError } from '../client/index.js';
import { SERVER_VERSION } from '../version.js';
import { appCommands } from './commands/apps.js';
import { clusterCommands } from './commands/cluster.js';
import { dbCommands } from './commands/db.js';
import { deployCommands } from './commands/deploy.js';
import { exportCommands, importCommands } from './commands/export.js';
import { jobCommands } from './commands/jobs.js';
import { kernelImageCommands } from './commands/kernel-images.js';
import { narrativeCommands } from './commands/narratives.js';
import { narrativeRunCommands } from './commands/narrative-runs.js';
import { objectCommands } from './commands/objects.js';
import { publicationCommands } from './commands/publications.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommands } from './commands/tokens.js';
import { userCommands } from './commands/users.js';
import { verifyArchiveCommand } from './commands/verify-archive.js';
import { UsageError } from './usage.js';

/**
 * `narrative`: the command line. Every command takes --json and exits non-zero on error.
 *
 * Every command is defined here at start, so help and usage errors need nothing more; what a
 * command needs beyond the REST client (the launcher package, TypeBox schemas, ajv, the server,
 * progress bars, zip) its action import()s. Loading them at start cost 0.6 s on every command
 * (startup.test.ts holds start-up to commander and the server's light modules).
 */
const program = new Command('narrative')
  .version(SERVER_VERSION)
  .description('Reproducible-science narratives: typed, versioned data with provenance, apps run on HPC.')
  .option('--json', 'print one JSON document')
  .option('--url <url>', 'server URL (default NARRATIVE_URL or http://127.0.0.1:8765)')
  .option('--token <token>', 'API token (default NARRATIVE_TOKEN or the first admin token in NARRATIVE_HOME)')
  .exitOverride()
  .showHelpAfterError();

serveCommand(program);
userCommands(program);
tokenCommands(program);
narrativeCommands(program);
narrativeRunCommands(program);
objectCommands(program);
exportCommands(program);
importCommands(program);
publicationCommands(program);
verifyArchiveCommand(program);
appCommands(program);
kernelImageCommands(program);
jobCommands(program);
clusterCommands(program);
dbCommands(program);
deployCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error, Boolean(program.opts<{ json?: boolean }>().json));
}

function report(error: unknown, json: boolean): number {
  // Commander has printed help, a version or its own usage message to stderr already.
  if (error instanceof CommanderError && error.exitCode === 0) return 0;
  let problem: { title: string; status?: number; detail: string; errors?: unknown };
  let code = 1;
  if (error instanceof CommanderError) {
    if (json) process.stdout.write(`${JSON.stringify({ error: { title: 'Usage', detail: error.message } }, null, 2)}\n`);
    return 2;
  }
  if (error instanceof ApiError) problem = error.problem;
  else if (error instanceof UsageError) {
    problem = { title: 'Usage', detail: error.message };
    code = 2;
  } else if (error instanceof TypeError && String((error as { cause?: { code?: string } }).cause?.code) === 'ECONNREFUSED') {
    problem = { title: 'Server not reachable', detail: `${error.message}: is \`narrative serve\` running, and NARRATIVE_URL right?` };
  } else problem = { title: 'Error', detail: error instanceof Error ? error.message : String(error) };
  if (json) process.stdout.write(`${JSON.stringify({ error: problem }, null, 2)}\n`);
  process.stderr.write(`narrative: ${problem.title}: ${problem.detail}\n`);
  for (const e of (problem.errors as { path: string; message: string }[] | undefined) ?? []) process.stderr.write(`  ${e.path}: ${e.message}\n`);
  return code;
}
