import { spawn } from 'node:child_process';
import Docker from 'dockerode';

/**
 * Imports a directory image (e.g. buildBusyboxImage's) into a Docker engine
 * as a docker-image: a tar of the directory through the engine's import API.
 * Returns the image id, a sha256 digest that pins it (the engine's own name
 * for its content). Files go in owned by root: the app's account reads them, never owns them.
 */
export async function importDirectoryImage(socketPath: string, dir: string): Promise<{ id: string }> {
  const docker = new Docker({ socketPath });
  const tar = spawn('tar', ['--create', '--directory', dir, '--sort=name', '--numeric-owner', '--owner=0', '--group=0', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const tarExit = new Promise<number | null>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', resolve);
  });
  const progress = await docker.importImage(tar.stdout);
  const messages = await new Promise<{ status?: string; error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(progress, (error: Error | null, output: { status?: string; error?: string }[]) => (error ? reject(error) : resolve(output))),
  );
  const code = await tarExit;
  if (code !== 0) throw new Error(`tar of ${dir} failed (exit ${code}): ${stderr.trim()}`);
  const failed = messages.find((m) => m.error);
  if (failed) throw new Error(`the engine refused the image: ${failed.error}`);
  // The import's last message is the new image's id.
  const id = messages.map((m) => m.status ?? '').reverse().find((s) => /^sha256:[0-9a-f]{64}$/.test(s));
  if (!id) throw new Error(`the engine did not report an image id: ${JSON.stringify(messages)}`);
  return { id };
}
