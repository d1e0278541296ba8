import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineDown, engineUp } from '@narrative/launcher-native';
import { loadConfig, type Config } from '@narrative/server';

/** A private Docker engine (Debian's dockerd, no bridge, no iptables) under a temp directory. */
export async function startEngine(): Promise<{ socket: string; stop(): Promise<void> }> {
  // Short: the engine directory holds Unix sockets, whose paths have a length limit.
  const dir = await mkdtemp(join(tmpdir(), 'nd-'));
  const { socket } = await engineUp({ dir });
  return {
    socket,
    async stop() {
      await engineDown(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Server settings that send jobs to the engine behind `socket`, one container per job. */
export function dockerExecution(socket: string): Partial<Config> {
  const defaults = loadConfig().execution;
  return { execution: { ...defaults, scheduler: 'docker', reconcileMs: 200, docker: { socket } } };
}
