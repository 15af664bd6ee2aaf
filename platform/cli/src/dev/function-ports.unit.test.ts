import { createServer, type Server } from 'node:net';
import { functionPorts } from './function-ports';

const documented = new Map([['order-create', 8081]]);

/** A port that is in use while the test runs. */
async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

describe('the ports spillway dev gives functions', () => {
  test('the shop keeps its documented ports; the others count up in name order, past ports in use or reserved', async () => {
    const busy = await listening();
    try {
      // From the busy port: it is skipped, as is the reserved one after it.
      const ports = await functionPorts(['zeta', 'order-create', 'alpha'], documented, busy.port, [busy.port + 1]);
      expect(ports.get('order-create')).toBe(8081);
      const [alpha, zeta] = [ports.get('alpha')!, ports.get('zeta')!];
      expect(alpha).toBeGreaterThan(busy.port + 1);
      expect(zeta).toBeGreaterThan(alpha);
      // The same functions on the same machine get the same ports on the next start.
      expect(await functionPorts(['alpha', 'zeta', 'order-create'], documented, busy.port, [busy.port + 1])).toEqual(ports);
    } finally {
      busy.server.close();
    }
  });

  test('from 0, each gets a port the OS picks', async () => {
    const ports = await functionPorts(['a', 'b'], new Map(), 0, []);
    expect(ports.get('a')).toBeGreaterThan(0);
    expect(ports.get('b')).toBeGreaterThan(0);
    expect(ports.get('a')).not.toBe(ports.get('b'));
  });
});
