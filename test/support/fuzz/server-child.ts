import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from './sandbox.js';

/** The server under test; FUZZ_CLI points the fuzzer at another build (an older commit, to see that it finds what was fixed since). */
const CLI = process.env.FUZZ_CLI ?? fileURLToPath(new URL('../../../../server/dist/cli/main.js', import.meta.url));
const SETPRIV = '/usr/bin/setpriv';
const KiB = 1024;

/** Small limits, so that "larger than the limit" is cheap to send many times. */
export const FUZZ_LIMITS = { jsonBytes: 512 * KiB, fileBytes: 256 * KiB, imageBytes: 1024 * KiB };

/** How a server process ended, with what it said last: the crash a fuzz request caused. */
export interface Exit {
  code: number | null;
  signal: string | null;
  output: string;
}

/**
 * The fuzzed server: a real `narrative serve` child, because a crash is only
 * visible as a process that exits. It runs in the sandbox (its own cwd, HOME
 * and TMPDIR) with kernels on and the stand-in lab. When it exits, the exit is
 * recorded and `restart` brings it back on the same data directory, so one
 * crash does not hide every other finding of the run.
 */
export class ServerChild {
  url = '';
  adminToken = '';
  readonly exits: Exit[] = [];
  /** Errors that escaped every handler: `serve` logs them and goes on, so they count as crashes that did not kill. */
  readonly escaped: string[] = [];
  private proc: ChildProcess | null = null;
  /** The last lines of logs: a crash's stack, and the errors behind 500s. */
  private log: string[] = [];
  /** Lines logged since the start, including those no longer kept: a mark for "what was logged after this". */
  private logged = 0;

  constructor(private readonly box: Sandbox) {}

  get alive(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(): Promise<void> {
    // setpriv --pdeathsig: the server dies with this test process, even one killed by a timeout, instead of living on unowned.
    const [command, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, CLI]] : [process.execPath, [CLI]];
    const proc = spawn(command, [...args, '--json', 'serve', '--port', '0'], {
      cwd: this.box.cwd,
      env: {
        // The developer's own NARRATIVE_* settings (a Slurm scheduler, other limits) must not change what is fuzzed.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NARRATIVE_'))),
        HOME: this.box.home,
        TMPDIR: this.box.tmp,
        NARRATIVE_HOME: this.box.data,
        NARRATIVE_LAB_DIR: this.box.lab,
        NARRATIVE_KERNELS: 'on',
        // Errors only: the stack behind a 500 is what a finding needs.
        NARRATIVE_LOG_LEVEL: 'error',
        NARRATIVE_MAX_JSON_BYTES: String(FUZZ_LIMITS.jsonBytes),
        NARRATIVE_MAX_FILE_BYTES: String(FUZZ_LIMITS.fileBytes),
        NARRATIVE_MAX_IMAGE_BYTES: String(FUZZ_LIMITS.imageBytes),
        NARRATIVE_RECONCILE_MS: '200',
        NARRATIVE_SCHEDULER: 'local',
        // Jobs the fuzzer starts run one at a time, so they never starve the server of the machine's cores.
        NARRATIVE_LOCAL_SLOTS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stderr!.on('data', (chunk: Buffer) => this.remember(chunk.toString()));
    proc.once('exit', (code, signal) => {
      if (this.proc === proc) this.exits.push({ code, signal, output: this.log.slice(-40).join('\n') });
    });
    // `serve --json` prints one JSON line with the URL; log lines may come before it and after.
    const lines = createInterface({ input: proc.stdout! });
    let announced = false;
    this.url = await new Promise<string>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the server exited (${code}) before serving:\n${this.log.join('\n')}`));
      proc.once('exit', onExit);
      lines.on('line', (line) => {
        const url = served(line);
        if (url && !announced) {
          announced = true;
          proc.off('exit', onExit);
          resolve(url);
        } else {
          this.remember(line);
        }
      });
    });
    this.adminToken = (await readFile(join(this.box.data, 'admin-token'), 'utf8')).trim();
  }

  /**
   * Whether the process exits within `ms`. A refused or reset connection is
   * often the first sign of a crash, ahead of the exit itself: waiting here
   * keeps a crash from looking like a thousand unanswered requests.
   */
  async exitsWithin(ms: number): Promise<boolean> {
    const proc = this.proc;
    if (!proc || !this.alive) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        proc.off('exit', onExit);
        resolve(false);
      }, ms);
      const onExit = () => {
        clearTimeout(timer);
        resolve(true);
      };
      proc.once('exit', onExit);
    });
  }

  /** Brings a crashed server back (same data, new port); returns whether it had to. */
  async restartIfDown(): Promise<boolean> {
    if (this.alive) return false;
    await this.start();
    return true;
  }

  /** CPU seconds the server process has used (Linux /proc), to tell a slow server from a slow fuzzer. */
  async cpuSeconds(): Promise<number | null> {
    const pid = this.proc?.pid;
    const stat = pid ? await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null) : null;
    if (!stat) return null;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** Log lines (pino JSON or plain stderr) that mention this request path: the error behind a 500. */
  logFor(path: string): string[] {
    return this.log.filter((line) => line.includes(path.slice(0, 200)));
  }

  recentLog(lines = 20): string {
    return this.log.slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** A mark for logAfter. */
  logMark(): number {
    return this.logged;
  }

  /** The lines logged after a mark (as many as are still kept). */
  logAfter(mark: number): string[] {
    return this.log.slice(Math.max(0, this.log.length - (this.logged - mark)));
  }

  private remember(text: string): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      if (ESCAPED.test(line)) this.escaped.push(line.slice(0, 4000));
      this.log.push(line.length > 4000 ? `${line.slice(0, 4000)}…` : line);
      this.logged++;
    }
    if (this.log.length > 2000) this.log = this.log.slice(-1000);
  }
}

/** What `serve` logs for an error no handler took (server/src/cli/commands/serve.ts). */
const ESCAPED = /escaped its handler|failed unhandled/;

/** The URL in `serve --json`'s announcement, or null for any other line. */
function served(line: string): string | null {
  try {
    const parsed = JSON.parse(line) as { url?: unknown; msg?: unknown };
    return typeof parsed.url === 'string' && parsed.msg === undefined ? parsed.url : null;
  } catch {
    return null;
  }
}
