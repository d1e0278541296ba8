import type { Command } from 'commander';
import { join } from 'node:path';
import { defaultHome, postgresUrl } from '../../config.js';
import { UsageError } from '../usage.js';
import type { GlobalOptions } from '../env.js';

export function dbCommands(program: Command): void {
  const db = program.command('db').description("the server's database");
  db.command('migrate')
    .description(
      'copy the data directory\'s SQLite store (NARRATIVE_HOME) into an empty PostgreSQL database, checking every table\'s rows and digest; ' +
        'run it again to take up a copy that stopped. The server must be stopped; afterwards start it with NARRATIVE_DATABASE_URL set and the same data directory',
    )
    .option('--to <url>', 'the PostgreSQL database: postgres://user@host[:port]/database (default: NARRATIVE_DATABASE_URL, which keeps a password out of the process list)')
    .action(async (options: { to?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const given = options.to ?? process.env.NARRATIVE_DATABASE_URL;
      if (!given) throw new UsageError('name the PostgreSQL database: --to postgres://… or NARRATIVE_DATABASE_URL');
      let url: string;
      try {
        url = postgresUrl(given, options.to === undefined ? 'NARRATIVE_DATABASE_URL' : '--to');
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      // Loaded here so the other commands start without the database drivers.
      const [{ lockDataDir }, { SQLITE_FILE }, { migrateSqliteToPostgres }] = await Promise.all([
        import('../../store/sqlite/data-dir-lock.js'),
        import('../../store/open.js'),
        import('../../store/migrate/sqlite-to-postgres.js'),
      ]);
      const home = defaultHome();
      // Held for the whole copy: a server started meanwhile would write rows the copy has passed.
      const lock = lockDataDir(home);
      try {
        const report = await migrateSqliteToPostgres(join(home, SQLITE_FILE), url, ({ table, copied, total }) => {
          if (!global.json) process.stderr.write(`  ${table}: ${copied}/${total} rows\n`);
        });
        if (global.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const rows = report.tables.reduce((sum, t) => sum + t.rows, 0);
        process.stdout.write(
          `copied ${rows} rows in ${report.tables.length} tables${report.resumed ? ' (taking up an interrupted copy)' : ''}; every table's count and digest agree.\n` +
            `Start the server with NARRATIVE_DATABASE_URL set to that database and NARRATIVE_HOME=${home} (its blobs, images and jobs stay there).\n`,
        );
      } finally {
        lock.release();
      }
    });
}
