import { Agent, IncomingMessage, request, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createExpressServer } from './express-server';

interface Seen {
  requestProto: object | null;
  responseProto: object | null;
}

/** An app echoing its JSON body, and what the server built before express saw the request. */
async function serve() {
  const app = express();
  app.use(express.json());
  app.post('/echo', (req, res) => {
    res
      .status(201)
      .json({ body: req.body, ip: req.ip, isRequest: req instanceof IncomingMessage, isResponse: res instanceof ServerResponse });
  });
  const server = createExpressServer(app);
  const seen: Seen[] = [];
  // Runs before the app: the objects as the server built them.
  server.prependListener('request', (req, res) =>
    seen.push({ requestProto: Object.getPrototypeOf(req), responseProto: Object.getPrototypeOf(res) }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { app, server, seen, port };
}

function post(port: number, agent: Agent, body: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/echo', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('createExpressServer', () => {
  it("builds each request and response with the app's own prototypes, so express has none to swap", async () => {
    const { app, server, seen, port } = await serve();
    const agent = new Agent({ keepAlive: true });
    try {
      await post(port, agent, '{"n":1}');
      await post(port, agent, '{"n":2}');
      expect(seen).toHaveLength(2);
      for (const s of seen) {
        expect(s.requestProto).toBe(app.request);
        expect(s.responseProto).toBe(app.response);
      }
    } finally {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves requests as a plain server would: bodies, status, JSON answers, node:http instances, kept-alive connections', async () => {
    const { server, port } = await serve();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = await Promise.all([1, 2, 3].map((n) => post(port, agent, JSON.stringify({ n }))));
      expect(answers).toEqual(
        [1, 2, 3].map((n) => ({ status: 201, json: { body: { n }, ip: '127.0.0.1', isRequest: true, isResponse: true } })),
      );
    } finally {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
