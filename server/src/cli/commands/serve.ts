import type { Command } from 'commander';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, loadConfig } from '../../config.js';
import type { BundledProgress } from '../../bundled/progress.js';
import type { BundledApp } from '../../schemas/bundled.js';
import type { GlobalOptions } from '../env.js';
import { localClusterDir, serverEnvFor } from '../local-slurm.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the platform on its embedded defaults (SQLite and blobs in NARRATIVE_HOME)')
    .option('--port <n>', 'port to listen on (default 8765, or NARRATIVE_PORT)')
    .option('--host <h>', 'address to listen on (default 127.0.0.1, or NARRATIVE_HOST)')
    .option('--local-slurm', 'start (or reuse) a local Slurm cluster in NARRATIVE_HOME/cluster and run apps on it; it keeps running after the server stops (narrative cluster down)')
    .action(async (options: { port?: string; host?: string; localSlurm?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const overrides = {
        ...(options.port === undefined ? {} : { port: Number(options.port) }),
        ...(options.host === undefined ? {} : { host: options.host }),
      };
      let config = loadConfig(overrides);
      if (options.localSlurm) {
        const { clusterUp } = await import('@narrative/launcher-native/cluster');
        const cluster = await clusterUp({ dir: localClusterDir(config.home) }).catch((error: Error) => {
          process.stderr.write(`narrative serve: cannot start the local Slurm cluster: ${error.message}\n`);
          process.exit(1);
        });
        config = loadConfig(overrides, { ...process.env, ...serverEnvFor(cluster) });
        if (!global.json) process.stderr.write(`local Slurm cluster: ${cluster.nodes.length} nodes, partition ${cluster.partition} (${cluster.dir})\n`);
      }
      // Loaded here so the other commands start without the server's dependencies.
      const { startServer } = await import('../../server.js');
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer(config);
      } catch (error) {
        // startServer has stopped whatever it started; exit now rather than leave a process that serves nothing.
        const detail = error instanceof Error ? error.message : String(error);
        if (global.json) process.stdout.write(`${JSON.stringify({ error: { title: 'Cannot serve', detail } })}\n`);
        process.stderr.write(`narrative serve: cannot start: ${detail}\n`);
        process.exit(1);
      }
      const tokenFile = join(config.home, ADMIN_TOKEN_FILE);
      if (global.json) {
        process.stdout.write(`${JSON.stringify({ url: server.url, home: config.home, adminToken: server.adminToken, adminTokenFile: tokenFile })}\n`);
      } else {
        const lines = [`narrative is serving at ${server.url}`, `  data directory: ${config.home}`, `  API: ${server.url}/api/v1 (OpenAPI: ${server.url}/api/v1/openapi.json)`, `  sign in: ${server.url}/login`];
        if (server.adminToken) lines.push(`  first admin token (also saved in ${tokenFile}):`, `    ${server.adminToken}`);
        else lines.push(`  the first admin's token is in ${tokenFile}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (!global.json) printBundledProgress(server.bundled.progress);
      // The last line of defence: every stream, socket and child has its own error handling, and
      // anything that still escapes is one request's failure, logged, not the end of everyone's server.
      process.on('uncaughtException', (error) => server.logger.error({ err: error }, 'an error escaped its handler; still serving'));
      process.on('unhandledRejection', (error) => server.logger.error({ err: error }, 'a promise failed unhandled; still serving'));
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

/**
 * The bundled apps' progress on stderr, a line per step ("building
 * genomics/megahit@1.2.9… 25 % (installing essential packages...)", "genomics/megahit@1.2.9
 * ready"): what is building when the server starts, then each change of
 * state or percentage. Apps registered at an earlier start say nothing.
 */
function printBundledProgress(progress: BundledProgress): void {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const shown = new Map<string, string>();
  const print = (app: BundledApp) => {
    const name = `${app.id}@${app.version}`;
    const percent = app.percent === null ? '' : ` ${app.percent} %`;
    const line =
      app.state === 'ready' ? `${name} ready` :
      app.state === 'failed' ? `${name} failed: ${(app.error ?? app.message).replaceAll('\n', '\n  ')}` :
      app.state === 'waiting' ? '' :
      `${app.state} ${name}…${percent}`;
    // Each distinct line once: a new message at the same percentage is not news on a terminal.
    if (!line || shown.get(name) === line) return;
    shown.set(name, line);
    say(app.state === 'building' || app.state === 'registering' ? `${line} (${app.message})` : line);
  };
  const { enabled, message, apps } = progress.snapshot();
  if (!enabled) return;
  if (message) say(`bundled apps: ${message}`);
  const toBuild = apps.filter((a) => a.state !== 'ready');
  if (toBuild.length > 0) say(`bundled apps: building and registering ${toBuild.map((a) => `${a.id}@${a.version}`).join(', ')} in the background (a few minutes each, the first time)`);
  for (const app of toBuild) print(app);
  progress.onChange(print);
}
