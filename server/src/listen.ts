import type { Duplex } from 'node:stream';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

/** An HTTP server bound before the application behind it exists. */
export interface BoundServer {
  server: Server;
  /** Hands requests to the application: those that arrived while starting are answered now. */
  ready(app: RequestListener): void;
  /** Drops the requests that waited (start-up failed) and closes the port. */
  abandon(): Promise<void>;
}

/**
 * Binds the port first, so that a port in use fails the start before
 * anything with side effects (the job reconciler, the Jupyter child) starts.
 * A request that arrives while the server is still starting waits for it.
 */
export async function bindPort(port: number, host: string): Promise<BoundServer> {
  let app: RequestListener | null = null;
  const waiting: [IncomingMessage, ServerResponse][] = [];
  const server = createServer((req, res) => (app ? app(req, res) : waiting.push([req, res])));
  // An idle connection is closed later than a proxy or client would reuse it (nginx keeps upstream ones 60 s):
  // Node's 5 s made a client that reused one at that moment read a reset (docs/benchmarks.md, "concurrency").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Node answers these itself, bare, unless someone listens: they get problem documents like any refusal.
  server.on('checkExpectation', (req, res) => {
    res.writeHead(417, { 'Content-Type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Expectation failed', status: 417, detail: 'Only "Expect: 100-continue" is understood.', instance: req.url }));
  });
  server.on('connect', (req, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    const body = JSON.stringify({ type: 'about:blank', title: 'Method not allowed', status: 405, detail: 'This server is not a proxy: CONNECT is refused.', instance: req.url });
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(listenError(error, port, host));
    server.once('error', failed).listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  return {
    server,
    ready(listener) {
      app = listener;
      for (const [req, res] of waiting.splice(0)) listener(req, res);
    },
    async abandon() {
      for (const [, res] of waiting.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why =
    error.code === 'EADDRINUSE' ? 'the address is already in use (another server on that port?); choose another --port'
    : error.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges); choose another --port'
    : error.code === 'EADDRNOTAVAIL' ? 'no network interface of this machine has that address; check --host'
    : error.message;
  return new Error(`cannot listen on ${where}: ${why}`, { cause: error });
}
