import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asUnprivileged, needs } from '@narrative/server/testing';
import { runCli } from './cli.js';

const NGINX = '/usr/sbin/nginx';

/** The `skip` of a test that puts Debian's nginx in front of servers. */
export const needsNginx = (): string | false => needs('nginx (Debian package nginx)', spawnSync(NGINX, ['-v']).status === 0);

export interface Nginx {
  url: string;
  /** The configuration `narrative deploy nginx-conf` generated. */
  conf: string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in front of `replicas` (host:port), configured by the
 * generated configuration inside a minimal main file of its own temp
 * directory; unprivileged (as nobody when this process is root).
 */
export async function startNginx(replicas: string[]): Promise<Nginx> {
  const port = await freePort();
  const generated = await runCli(['deploy', 'nginx-conf', '--listen', `127.0.0.1:${port}`, ...replicas.flatMap((r) => ['--replica', r])], { url: 'http://127.0.0.1:1', home: tmpdir() });
  if (generated.code !== 0) throw new Error(`narrative deploy nginx-conf failed: ${generated.stderr}`);
  const dir = await mkdtemp(join(tmpdir(), 'narrative-nginx-'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(dir, t)};`).join('\n  ');
  await writeFile(join(dir, 'narrative.conf'), generated.stdout);
  await writeFile(
    join(dir, 'nginx.conf'),
    `worker_processes 1;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')} warn;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  ${temp}\n  include ${join(dir, 'narrative.conf')};\n}\n`,
  );
  const argv = [...asUnprivileged(dir, ['nobody']), NGINX, '-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'];
  const proc: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    if (await fetch(`${url}/api/v1/health`).then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer in 15 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    conf: generated.stdout,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
