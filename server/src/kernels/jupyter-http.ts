import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

/** A user's Jupyter server: a Unix socket in that user's private directory, and its token. */
export interface JupyterAddress {
  socket: string;
  token: string;
}

export interface JupyterAnswer {
  status: number;
  type: string | undefined;
  body: Buffer;
}

/** More than any kernel, session or kernelspec answer; a server answering more is treated as not answering. */
const ANSWER_BYTES = 8 * 1024 * 1024;
/** Starting a kernel is the slowest request (a few seconds); this is for a server that hangs. */
const TIMEOUT_MS = 120_000;

/**
 * One request to a user's Jupyter server over its socket, with its token (and
 * Host: localhost, which jupyter_server's host check wants). Rejects when the
 * server does not answer in full, for whatever reason: the caller answers 503.
 */
export function askJupyter(to: JupyterAddress, method: string, path: string, o: { headers?: Record<string, string>; body?: Buffer; timeoutMs?: number } = {}): Promise<JupyterAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers, Host: 'localhost', Authorization: `token ${to.token}` };
    if (o.body !== undefined) headers['Content-Length'] = String(o.body.length);
    const req = request({ socketPath: to.socket, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > ANSWER_BYTES) return void req.destroy(new Error(`the Jupyter server answered more than ${ANSWER_BYTES} bytes`));
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.setTimeout(o.timeoutMs ?? TIMEOUT_MS, () => req.destroy(new Error('the Jupyter server did not answer in time')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A raw connection to a user's Jupyter server, for the kernel websocket. */
export function connectJupyter(to: JupyterAddress): Socket {
  return connect({ path: to.socket });
}
