import { BACKWARDS, END } from '@eventstore/db-client';
import echo from '../../test/fixtures/echo/src/index';
import { type Harness, startHarness } from '../testing/harness';

const TOKEN = 'test-token';
let h: Harness;
beforeAll(async () => {
  h = await startHarness(echo, { logLevel: 'silent', apiTokens: [TOKEN], bodyLimitBytes: 1024 });
});
afterAll(() => h.close());

async function userEventCount(): Promise<number> {
  let count = 0;
  for await (const { event } of h.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1000 })) {
    if (event && !event.streamId.startsWith('$')) count++;
  }
  return count;
}

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(`${h.url}/pings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
}

describe('HTTP command ingress against the emulator', () => {
  const bad: [string, () => Promise<Response>, number, string][] = [
    ['malformed JSON', () => post('{"n": '), 400, 'MALFORMED_JSON'],
    ['wrong types', () => post(JSON.stringify({ n: 'seven' })), 400, 'VALIDATION_FAILED'],
    ['a huge body', () => post(JSON.stringify({ n: 1, pad: 'x'.repeat(10_000) })), 413, 'PAYLOAD_TOO_LARGE'],
    ['no token', () => post(JSON.stringify({ n: 1 }), { authorization: '' }), 401, 'UNAUTHORIZED'],
    ['a wrong token', () => post(JSON.stringify({ n: 1 }), { authorization: 'Bearer nope' }), 401, 'UNAUTHORIZED'],
  ];
  test.each(bad)('%s gets problem+json and writes no event', async (_name, send, status, code) => {
    const before = await userEventCount();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status, code });
    expect(await userEventCount()).toBe(before);
  });

  test('a valid command writes one event, and a retry with the same Idempotency-Key writes nothing more', async () => {
    const key = { 'idempotency-key': 'retry-me' };
    expect((await post(JSON.stringify({ n: 42 }), key)).status).toBe(202);
    expect((await post(JSON.stringify({ n: 42 }), key)).status).toBe(202);
    const events = await h.read('echo-42');
    expect(events.map((e) => e.type)).toEqual(['Pinged']);
    expect(events[0]?.metadata).toMatchObject({ $correlationId: expect.any(String), $causationId: expect.any(String) });
  });

  test('a well-formed traceparent reaches the event metadata; a malformed one is dropped', async () => {
    const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect((await post(JSON.stringify({ n: 43 }), { traceparent: valid })).status).toBe(202);
    expect((await post(JSON.stringify({ n: 44 }), { traceparent: `x${'y'.repeat(4000)}` })).status).toBe(202);
    expect((await h.read('echo-43'))[0]?.metadata).toMatchObject({ traceparent: valid });
    expect((await h.read('echo-44'))[0]?.metadata).not.toHaveProperty('traceparent');
  });
});
