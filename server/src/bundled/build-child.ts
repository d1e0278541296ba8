import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunnerMessage } from './build-runner.js';

/** The build's own process (./build-runner.ts), beside this module. */
const RUNNER = fileURLToPath(new URL('./build-runner.js', import.meta.url));
/** Lines of the runner's stderr kept, for a build that dies without saying why. */
const TAIL = 20;
/** How long the runner, told to stop, waits for the processes of its group to end before it kills them (build-runner.ts). */
export const GROUP_WAIT_MS = 10_000;
/** How long a stopped build has before its group is killed from here: the runner's own wait, and a margin for it to end. */
export const GRACE_MS = GROUP_WAIT_MS + 5000;

/**
 * What of the server's environment reaches a build (mmdebstrap, apt, the
 * packages' maintainer scripts): where programs are, the locale, the
 * temporary directory and the proxies apt may need. Nothing else: the
 * server's own settings and whatever secrets its environment holds stay
 * here. The runner itself reads no variable.
 */
const PASSED = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TMPDIR', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']);

export function buildEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && (PASSED.has(e[0]) || e[0].startsWith('LC_'))));
}

export interface RunningBuild {
  /** Resolves when the build succeeded (its archive and build record are in `out`); rejects with the build's own words. */
  done: Promise<void>;
  /** Ends the build and everything it started (mmdebstrap, apt), if it is still running. */
  stop(): void;
}

/**
 * Builds an app's image into `out` as `narrative app build --out` would, in
 * a child process leading its own process group: so it can be stopped with
 * everything it started, it ends itself when the server goes (even killed),
 * and nothing it does can take the server down. Each progress line goes to `onLine`.
 * (It runs as the server's user: a build as an account of its own is not done yet.)
 */
export function runBuild(appDir: string, out: string, onLine: (line: string) => void): RunningBuild {
  const child = fork(RUNNER, [appDir, out], { detached: true, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: buildEnvironment(process.env) });
  const tail: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n').filter((l) => l.trim() !== ''));
    tail.splice(0, Math.max(0, tail.length - TAIL));
  });
  child.stderr!.on('error', () => undefined);
  let failure: string | null = null;
  child.on('message', (message: RunnerMessage) => {
    if ('progress' in message) onLine(message.progress);
    else if ('failed' in message) failure = message.failed;
  });
  let ended = false;
  let killer: NodeJS.Timeout | null = null;
  const end = () => {
    ended = true;
    // The group's id may be another group's soon: never signalled once the runner is gone.
    if (killer) clearTimeout(killer);
  };
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      end();
      reject(new Error(`the build could not start: ${error.message}`));
    });
    // 'close', not 'exit': by then every message the runner sent has arrived, and (the runner waits for them) its group is gone.
    child.once('close', (code, signal) => {
      end();
      if (code === 0) resolve();
      else reject(new Error(failure ?? (tail.join('\n') || `the build ended with ${signal ?? `exit code ${code}`}`)));
    });
  });
  return {
    done,
    stop() {
      if (ended || killer || child.pid === undefined) return;
      const group = -child.pid;
      signalGroup(group, 'SIGTERM');
      // Only if the runner has not ended by itself, having waited for its group: it is stuck.
      killer = setTimeout(() => ended || signalGroup(group, 'SIGKILL'), GRACE_MS);
      killer.unref();
    },
  };
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch {
    // Already gone.
  }
}
