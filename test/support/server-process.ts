import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { NarrativeClient } from '@narrative/server/client';

const CLI = fileURLToPath(new URL('../../../server/dist/cli/main.js', import.meta.url));

export interface Served {
  proc: ChildProcess;
  url: string;
  token: string;
  client: NarrativeClient;
  stderr: () => string;
  /** The first admin's token when this start made it (the first start on a database), else null. */
  madeAdmin: string | null;
}

/** Real server processes (`narrative --json serve --port 0`) that tests can kill -9 and restart; `cleanup` kills and removes whatever is left. */
export class ServerProcesses {
  private readonly children = new Set<ChildProcess>();
  private readonly homes: string[] = [];

  async newHome(prefix = 'narrative-proc-'): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), prefix));
    this.homes.push(home);
    return home;
  }

  async serve(home: string, env: Record<string, string> = {}, serveArgs: string[] = []): Promise<Served> {
    const proc = spawn(process.execPath, [CLI, '--json', 'serve', '--port', '0', ...serveArgs], {
      // No Jupyter child: these servers are killed with SIGKILL, and most tests never start a kernel. No bundled apps unless asked for.
      env: { ...process.env, NARRATIVE_HOME: home, NARRATIVE_LOG_LEVEL: 'silent', NARRATIVE_KERNELS: 'off', NARRATIVE_BUNDLED_APPS: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.add(proc);
    proc.once('exit', () => this.children.delete(proc));
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const started = await new Promise<{ url: string; adminToken: string | null }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start in 15 s: ${stderr}`)), 15_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code}) before serving: ${stderr}`));
      };
      proc.once('exit', onExit);
      createInterface({ input: proc.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        proc.off('exit', onExit);
        try {
          const said = JSON.parse(line) as { url: string; adminToken: string | null; error?: { detail: string } };
          if (said.error) reject(new Error(`the server refused to start: ${said.error.detail}`));
          else resolve(said);
        } catch (error) {
          reject(error);
        }
      });
    });
    const { url } = started;
    const token = (await readFile(join(home, 'admin-token'), 'utf8')).trim();
    return { proc, url, token, client: new NarrativeClient({ url, token }), stderr: () => stderr, madeAdmin: started.adminToken ?? null };
  }

  async cleanup(): Promise<void> {
    for (const child of [...this.children]) await kill9(child);
    for (const home of this.homes) await rm(home, { recursive: true, force: true });
  }
}

export async function kill9(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
}
