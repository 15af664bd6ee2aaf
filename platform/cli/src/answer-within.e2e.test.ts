import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

const bin = join(__dirname, '..', 'bin', 'spillway.js');

// A server that accepts connections and never answers: what a wedged EventStoreDB looks like.
function silentServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, sockets })),
  );
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Past this the command hangs, which is the failure under test: kill it so the test reports it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

describe('one-shot commands against an EventStoreDB that never answers', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    for (const socket of silent.sockets) socket.destroy();
    await new Promise((resolve) => silent.server.close(resolve));
  });

  test.each([
    ['status', ['status', '--timeout', '1']],
    ['parked', ['parked', '--timeout', '1']],
  ])('%s gives up after --timeout with a message naming the server, exit 1', async (_name, args) => {
    const connection = `esdb://127.0.0.1:${silent.port}?tls=false`;
    const { code, stderr } = await run(args, { ESDB_CONNECTION_STRING: connection });
    expect(code).toBe(1);
    expect(stderr).toContain(`EventStoreDB at ${connection} did not answer within 1 s`);
  });

  test('a bad --timeout exits 2', async () => {
    const { code, stderr } = await run(['status', '--timeout', '0'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('--timeout must be a whole number of seconds');
  });
});
