/**
 * How the docker scheduler tells the wrapper it starts to run the app's
 * container through a Docker engine's API rather than a runtime's CLI. Only a
 * scheduler sets these: a job's environment holds nothing of the server's own.
 */
export interface EngineTarget {
  /** The engine's API socket. */
  socket: string;
  /** The container's name: unique per engine, so the scheduler can remove one a crashed wrapper left. */
  container: string;
  /** The engine network for apps that ask for network; absent: such jobs were refused. */
  network?: string;
  /** Time between SIGTERM and SIGKILL on a cancel or at the time limit. */
  graceMs: number;
}

const SOCKET = 'NARRATIVE_ENGINE_SOCKET';
const CONTAINER = 'NARRATIVE_ENGINE_CONTAINER';
const NETWORK = 'NARRATIVE_ENGINE_NETWORK';
const GRACE = 'NARRATIVE_ENGINE_GRACE_MS';

export function engineVariables(target: EngineTarget): Record<string, string> {
  return {
    [SOCKET]: target.socket,
    [CONTAINER]: target.container,
    ...(target.network ? { [NETWORK]: target.network } : {}),
    [GRACE]: String(target.graceMs),
  };
}

/** The engine the wrapper was told to use, or null: run through the runtime job.json names. */
export function engineTarget(env: NodeJS.ProcessEnv): EngineTarget | null {
  const socket = env[SOCKET];
  const container = env[CONTAINER];
  if (!socket || !container) return null;
  const graceMs = Number(env[GRACE] ?? 5_000);
  return { socket, container, ...(env[NETWORK] ? { network: env[NETWORK] } : {}), graceMs: Number.isFinite(graceMs) && graceMs >= 0 ? graceMs : 5_000 };
}
