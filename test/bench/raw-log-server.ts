import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor a log fan-out is read against: a bare `ws` server that tails one
 * file from its end and sends each new run of complete lines, as the raw
 * bytes of the file, in one message shared by every socket, on the same
 * 25 ms cadence as the server's batches. No authentication, store, parsing,
 * line numbers or backpressure: only what any fan-out must do.
 * `node raw-log-server.js <file>` prints its port, then serves until killed.
 */
const BATCH_MS = 25;
const NEWLINE = 0x0a;

async function serve(file: string): Promise<void> {
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const listening = new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.once('close', () => sockets.delete(ws));
  });
  let position = (await stat(file)).size;
  let scheduled = false;
  let reading = Promise.resolve();
  const readNew = async () => {
    scheduled = false;
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= position) return;
      const data = Buffer.allocUnsafe(size - position);
      const { bytesRead } = await handle.read(data, 0, data.length, position);
      const complete = data.subarray(0, data.subarray(0, bytesRead).lastIndexOf(NEWLINE) + 1);
      position += complete.length;
      if (complete.length > 0) for (const ws of sockets) ws.send(complete, { binary: false });
    } finally {
      await handle.close();
    }
  };
  watch(file, () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => void (reading = reading.then(readNew)), BATCH_MS);
  });
  await listening;
  process.stdout.write(`${(wss.address() as { port: number }).port}\n`);
}

void serve(process.argv[2]!);
