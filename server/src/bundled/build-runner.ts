/**
 * The child process that builds one bundled app's image (./build-child.ts
 * starts it): `node build-runner.js <app dir> <out dir>`, with an IPC channel
 * to the server. It builds exactly as `narrative app build <dir> --out <out>`
 * does (buildApp in server/src/cli/app-source.ts), so every user of a build
 * cache reads one format.
 *
 * It leads its own process group (mmdebstrap and apt run in it). When the
 * server goes (the channel closes, even after kill -9) or stops it
 * (SIGTERM), it passes SIGTERM to the whole group, waits (a while) for the
 * others to end, kills those that have not, and exits: no build outlives the
 * server that wanted it, and the runner's end means its group's.
 */
import { buildApp, loadAppSource, type BuildRecord } from '../cli/app-source.js';
import { GROUP_WAIT_MS } from './build-child.js';
import { endOwnGroup } from './process-group.js';

/** What the runner tells the server. */
export type RunnerMessage = { progress: string } | { built: BuildRecord } | { failed: string };

/** A message to the server; if the server is gone, the callback swallows the error and the disconnect handler ends everything. */
const tell = (message: RunnerMessage): void => void process.send?.(message, () => undefined);

let ending = false;
const endAll = (): void => {
  if (ending) return;
  ending = true;
  void endOwnGroup(GROUP_WAIT_MS).finally(() => process.exit(1));
};
process.on('SIGTERM', endAll);
process.on('disconnect', endAll);
// A fault of the runner's own ends the build too, rather than leaving mmdebstrap behind.
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  endAll();
});

async function build(appDir: string, out: string): Promise<BuildRecord> {
  const { archive: _archive, size: _size, ...record } = await buildApp(await loadAppSource(appDir), out, (line) => tell({ progress: line }));
  return record;
}

/** Says how it went, then lets go of the channel (which would keep this process alive) without taking it for the server leaving. */
function finish(message: RunnerMessage, code: number): void {
  process.exitCode = code;
  process.off('disconnect', endAll);
  process.send?.(message, () => process.connected && process.disconnect());
}

const [appDir, out] = process.argv.slice(2);
if (!appDir || !out || !process.send) {
  process.stderr.write('usage: node build-runner.js <app dir> <out dir>, started with an IPC channel\n');
  process.exit(2);
}
try {
  finish({ built: await build(appDir, out) }, 0);
} catch (error) {
  finish({ failed: error instanceof Error ? error.message : String(error) }, 1);
}
