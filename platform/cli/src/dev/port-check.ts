import { createServer } from 'node:net';

/** Whether `port` can be listened on now. */
export function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * Checks each port before anything starts, so that a clash is one clear line rather than the gRPC
 * library's "No address added out of total 1 resolved", or a function that dies after "ready".
 * `ports` maps what uses the port to the port and the flag that changes it.
 */
export async function checkPortsFree(
  ports: readonly { readonly what: string; readonly port: number; readonly flag: string }[],
  host = '127.0.0.1',
): Promise<void> {
  for (const { what, port, flag } of ports) {
    // Port 0 is picked by the OS when listening: it cannot clash.
    if (port !== 0 && !(await isFree(port, host))) {
      throw new Error(`port ${port} (${what}) is already in use by another process; stop it, or pass ${flag} <port> (0 picks a free one)`);
    }
  }
}
