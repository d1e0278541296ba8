import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { needs } from './prerequisites.js';
import { asUnprivileged } from './unprivileged.js';

/** A throwaway PostgreSQL server for tests: its own data directory, reachable only on a Unix socket. */
export interface PostgresCluster {
  /** The connection URL of `database` on this server. */
  url(database: string): string;
  /** Creates a database, empty or a copy of `template` (which nobody may be connected to), and returns its URL. */
  createDatabase(database: string, template?: string): Promise<string>;
  /** Drops a database, ending its connections. */
  dropDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

const SUPERUSER = 'narrative';

/** The directory of PostgreSQL's server programs: NARRATIVE_POSTGRES_BIN, else the newest of Debian's packages; null when none. */
export function postgresBinaries(): string | null {
  const fromEnv = process.env.NARRATIVE_POSTGRES_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'postgres')) ? fromEnv : null;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v) && existsSync(join(debian, v, 'bin', 'postgres')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(debian, versions[0], 'bin') : null;
}

/** The `skip` of a test that needs PostgreSQL (it starts its own server of it). */
export const needsPostgres = (): string | false => needs('PostgreSQL (Debian package postgresql)', postgresBinaries() !== null);

let shared: Promise<PostgresCluster> | undefined;

/** One cluster per test process, started on first use and killed when the process exits. */
export function sharedPostgresCluster(): Promise<PostgresCluster> {
  shared ??= startPostgresCluster();
  return shared;
}

/**
 * Starts a PostgreSQL server in a new temporary directory. PostgreSQL refuses
 * to run as root: as root, the server runs as the `postgres` account Debian's
 * package makes (else `nobody`), and dies with this process (pdeathsig) even
 * when it is killed.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('PostgreSQL is not installed (Debian package postgresql; or set NARRATIVE_POSTGRES_BIN)');
  const dir = mkdtempSync(join(tmpdir(), 'narrative-pg-'));
  const data = join(dir, 'data');
  const as = asUnprivileged(dir, ['postgres', 'nobody']);
  const initdb = spawnSync(as[0]!, [...as.slice(1), join(bin, 'initdb'), '-D', data, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
    encoding: 'utf8',
  });
  if (initdb.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${initdb.stderr || initdb.stdout}`);
  }
  const settings = ['listen_addresses=', `unix_socket_directories=${dir}`, 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300'];
  const server = spawn(as[0]!, [...as.slice(1), join(bin, 'postgres'), '-D', data, ...settings.flatMap((s) => ['-c', s])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Neither keeps a test process alive: it is killed when the process exits.
  server.unref();
  (server.stderr as Socket | null)?.unref();
  let stderr = '';
  server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const removeOnExit = () => {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeOnExit);
  const url = (database: string) => `postgresql://${SUPERUSER}@localhost/${database}?host=${encodeURIComponent(dir)}`;
  try {
    await waitUntilAccepting(url('postgres'), server, () => stderr);
  } catch (error) {
    process.off('exit', removeOnExit);
    removeOnExit();
    throw error;
  }
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    async createDatabase(database, template) {
      await admin(`create database ${identifier(database)}${template ? ` template ${identifier(template)} strategy file_copy` : ''}`);
      return url(database);
    },
    async dropDatabase(database) {
      await admin(`drop database if exists ${identifier(database)} with (force)`);
    },
    async stop() {
      process.off('exit', removeOnExit);
      await stopGracefully(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  return `"${name}"`;
}

async function waitUntilAccepting(url: string, server: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`postgres exited: ${stderr()}`);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${String(error)}\n${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopGracefully(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  // SIGINT: PostgreSQL's fast shutdown (ends sessions, no waiting for clients).
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
