import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { postOrder } from './shop-client';

/**
 * A raw HTTP/1.1 server on loopback: `answer(socket, n)` decides, for the n-th request on a connection
 * (1-based), whether to answer it or to drop the connection without a word.
 */
async function rawServer(
  answer: (connection: number, n: number) => boolean,
): Promise<{ url: string; close(): Promise<void>; requests: number[] }> {
  const requests: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const connection = requests.push(0) - 1;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      // Each test request is small and complete once its body (after the blank line) has arrived.
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        requests[connection] = (requests[connection] ?? 0) + 1;
        if (!answer(connection, requests[connection] as number)) {
          socket.resetAndDestroy();
          return;
        }
        const body = JSON.stringify({ orderId: `o-${connection}-${requests[connection]}` });
        socket.write(
          `HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    // The client keeps its connections alive: end them, or close() would wait for them.
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('postOrder over kept-alive connections', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  test('a kept-alive connection reset as the next order goes out is retried once on a new connection', async () => {
    // The server drops its first connection at the second request, as a server closing an idle connection does.
    const shop = await rawServer((connection, n) => !(connection === 0 && n === 2));
    servers.push(shop);
    expect(await postOrder(shop.url, 'k1', '{}')).toEqual({ status: 201, orderId: 'o-0-1' });
    expect(await postOrder(shop.url, 'k2', '{}')).toEqual({ status: 201, orderId: 'o-1-1' });
    expect(shop.requests).toEqual([2, 1]);
  });

  test("an idle connection is dropped before the server's announced keep-alive timeout, so the next order opens a new one", async () => {
    let connections = 0;
    const server = createHttpServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId: `o-${connections}` }));
    });
    // Node's server announces this as `Keep-Alive: timeout=2`; the client should let go a second earlier.
    server.keepAliveTimeout = 2_000;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    expect(await postOrder(url, 'k4', '{}')).toEqual({ status: 201, orderId: 'o-1' });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await postOrder(url, 'k5', '{}')).toEqual({ status: 201, orderId: 'o-2' });
  });

  test('a new connection reset before the answer is not retried: the order reports no answer', async () => {
    const shop = await rawServer(() => false);
    servers.push(shop);
    const outcome = await postOrder(shop.url, 'k3', '{}');
    expect(outcome).toMatchObject({ status: 'no answer', error: expect.stringMatching(/ECONNRESET|socket hang up/) });
    expect(shop.requests).toEqual([1]);
  });
});
