import { constants } from 'node:fs';
import { lchown, open, unlink } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';

/**
 * The socket, beside each kernel's connection file, through which the
 * `narrative` package reaches this server. A kernel in its image may have no
 * network at all (a namespace with only a downed loopback), but its runtime
 * directory is bound into it: a Unix socket there is the one way out the
 * server grants, and only to itself.
 */
export const API_SOCKET = 'narrative-api.sock';

/**
 * Listens on API_SOCKET in a user's runtime directory and passes each
 * connection, bytes unchanged, to this server's own address: every request
 * still needs a token and meets the same authorization. The socket is the
 * user's (and so 0700-directory-private); the directory is the user's too, so
 * it is opened without following links and the socket made through that open
 * directory, which stays open until the listener closes (Node removes the
 * socket's path then, which must still name the same place).
 */
export async function openApiSocket(runtime: string, target: { host: string; port: number }): Promise<() => Promise<void>> {
  const dir = await open(runtime, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  let server: Server | undefined;
  try {
    const owner = await dir.stat();
    if (owner.uid === 0) throw new Error(`${runtime} belongs to root, not to a user's kernels`);
    const path = `/proc/self/fd/${dir.fd}/${API_SOCKET}`;
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    server = createServer((inbound) => {
      const outbound = connect(target.port, target.host);
      const end = () => {
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on('error', end).on('close', end);
      outbound.on('error', end).on('close', end);
      inbound.pipe(outbound).pipe(inbound);
    });
    // Once listening, an error (an accept that ran out of file descriptors, say) loses that one connection, never the process.
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(path, () => resolve());
    });
    // lchown: were the socket swapped for a link meanwhile, the link is what changes owner, never what it points at.
    await lchown(path, owner.uid, owner.gid);
  } catch (error) {
    await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    await dir.close();
    throw error;
  }
  const listening = server;
  return async () => {
    await new Promise<void>((resolve) => listening.close(() => resolve()));
    await dir.close();
  };
}
