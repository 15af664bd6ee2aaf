import { type ProjectionEvent, ProjectionSandbox } from './sandbox';

const boom: ProjectionEvent = {
  isJson: true,
  data: { n: 1 },
  bodyRaw: '{"n":1}',
  metadataRaw: '',
  linkMetadataRaw: '',
  sequenceNumber: 0,
  streamId: 'thing-1',
  eventType: 'Boom',
  eventId: '00000000-0000-0000-0000-000000000001',
  partition: '',
};

/** Keeps the node's own thread busy, as a long synchronous piece of work would. */
function blockHostFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

// The workers are unref'd (they never hold the process); a timer keeps the loop alive while a test awaits them.
let keepAlive: NodeJS.Timeout;
beforeAll(() => {
  keepAlive = setInterval(() => {}, 1_000);
});
afterAll(() => clearInterval(keepAlive));

test('a handler runs in the worker and its state and emitted events come back', async () => {
  const sandbox = await ProjectionSandbox.compile(
    `fromCategory('thing').when({ $init: () => ({ n: 0 }), Boom: (s, e) => { s.n += e.data.n; emit('out', 'Seen', { at: e.sequenceNumber }); } })`,
    'adds',
  );
  try {
    expect(sandbox.definition.source).toEqual({ kind: 'category', category: 'thing' });
    const processed = await sandbox.process(await sandbox.initialState(), boom);
    expect(JSON.parse(processed.state)).toEqual({ n: 1 });
    expect(processed.emitted.map((e) => `${e.kind} ${e.stream} ${e.type} ${e.data}`)).toEqual(['emit out Seen {"at":0}']);
  } finally {
    sandbox.close();
  }
});

test("an answer sent while the node's thread was busy past the watchdog still counts", async () => {
  const sandbox = await ProjectionSandbox.compile(`fromAll().when({ Boom: (s) => s })`, 'patient');
  try {
    // Sent, then the thread is kept busy longer than the budget and the watchdog's grace, from a
    // setImmediate callback: the loop's next turn runs the (late) watchdog before it reads the answer.
    const pending = await new Promise<ReturnType<ProjectionSandbox['process']>>((resolve) =>
      setImmediate(() => {
        const call = sandbox.process('{}', boom);
        blockHostFor(2_000);
        resolve(call);
      }),
    );
    expect(JSON.parse((await pending).state)).toEqual({});
  } finally {
    sandbox.close();
  }
});

test('a loop in a promise callback ends the worker: that call and every later one fail with the timeout', async () => {
  const sandbox = await ProjectionSandbox.compile(
    `fromAll().when({ Boom: () => { Promise.resolve().then(() => { for (;;) {} }); } })`,
    'spins',
  );
  await expect(sandbox.process('{}', boom)).rejects.toThrow(/timed out/);
  await expect(sandbox.initialState()).rejects.toThrow(/timed out/);
});

test('a query that does not parse is a compilation error', async () => {
  await expect(ProjectionSandbox.compile('fromAll(.when({})', 'broken')).rejects.toThrow(/^Compilation error: /);
});

test('foreachStream over fromStream is refused, as the server refuses it', async () => {
  await expect(ProjectionSandbox.compile(`fromStream('one').foreachStream().when({})`, 'per-stream')).rejects.toThrow(
    'foreachStream projections are not supported on stream based sources',
  );
});
