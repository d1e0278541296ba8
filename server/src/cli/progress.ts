import type { SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr when it is a terminal and `show` (not --json);
 * otherwise null. cli-progress is loaded only when a bar is drawn, so no
 * command pays for it at start.
 */
export async function progressBar(format: string, show: boolean): Promise<SingleBar | null> {
  if (!show || !process.stderr.isTTY) return null;
  const { SingleBar } = await import('cli-progress');
  return new SingleBar({ format, stream: process.stderr });
}
