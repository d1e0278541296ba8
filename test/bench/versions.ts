import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { CHROMIUM } from '../support/browser.js';

const run = promisify(execFile);

/** The first line a program says when asked its version, or why it could not be asked. */
async function said(program: string, args: string[], cwd?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout, stderr } = await run(program, args, { cwd, env, timeout: 10_000 });
    return (stdout || stderr).trim().split('\n')[0] ?? '';
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

function sqliteVersion(): string {
  const require = createRequire(createRequire(import.meta.url).resolve('@narrative/server'));
  const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): { pluck(): { get(): string } }; close(): void };
  const db = new Database(':memory:');
  try {
    return db.prepare('select sqlite_version()').pluck().get();
  } finally {
    db.close();
  }
}

/** What the figures depend on, recorded beside them: a figure means little without the versions that made it. */
export async function versionsOfTools(root: string): Promise<Record<string, string>> {
  const postgresBin = await said('pg_config', ['--bindir']);
  return {
    commit: await said('git', ['describe', '--always', '--dirty'], root),
    sqlite: sqliteVersion(),
    postgresql: await said(`${postgresBin}/postgres`, ['--version']),
    // sinfo asks the cluster's configuration even for its version; the package says it without.
    slurm: await said('dpkg-query', ['--show', '--showformat=slurm ${Version}', 'slurmctld']),
    // ch-run refuses to start without $USER, which a service's environment may lack.
    'ch-run': await said('ch-run', ['--version'], undefined, { ...process.env, USER: process.env.USER ?? 'nobody' }),
    mksquashfs: await said('mksquashfs', ['-version']),
    chromium: await said(CHROMIUM, ['--version']),
  };
}
