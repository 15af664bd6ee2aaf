import { openPgliteDatabase, type PgliteDatabase, parameterText } from './pglite-database';

describe('parameterText', () => {
  test.each([
    { name: 'null and undefined are SQL NULL', value: undefined, text: null },
    { name: 'a string is itself', value: 'a "b" \\c', text: 'a "b" \\c' },
    { name: 'a number and a bigint in decimal', value: [1.5, 12345678901234567890n], text: '{"1.5","12345678901234567890"}' },
    { name: 'a boolean as PostgreSQL reads it', value: true, text: 'true' },
    { name: 'a date in ISO form', value: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), text: '2026-01-02T03:04:05.000Z' },
    { name: 'an object as JSON, bigints as strings', value: { n: 1n, s: 'x' }, text: '{"n":"1","s":"x"}' },
    { name: 'bytes in hex', value: Uint8Array.from([0, 255]), text: '\\x00ff' },
    { name: 'array elements quoted and escaped, nulls bare', value: ['a,b', 'q"', 'b\\', null], text: '{"a,b","q\\"","b\\\\",NULL}' },
    { name: 'nested arrays', value: [['a'], ['b']], text: '{{"a"},{"b"}}' },
    { name: 'an empty array', value: [], text: '{}' },
  ])('$name', ({ value, text }) => {
    expect(parameterText(value)).toBe(text);
  });
});

describe('PGlite database', () => {
  let db: PgliteDatabase;

  beforeAll(async () => {
    db = await openPgliteDatabase(undefined);
    await db.query('CREATE SCHEMA v1');
    await db.query('CREATE SCHEMA v2');
    await db.query('CREATE TABLE v1.items (id text PRIMARY KEY, n bigint NOT NULL, tags text[], doc jsonb, at timestamptz)');
    await db.query('CREATE TABLE v2.items (id text PRIMARY KEY, label text NOT NULL)');
  });

  afterAll(async () => {
    await db?.close();
  });

  test('parameters reach PostgreSQL as they were given and rows come back typed as PGlite parses them', async () => {
    const tags = ['a,b', 'q"uote', 'back\\slash', '{brace}', null];
    const at = new Date(Date.UTC(2026, 2, 1, 10, 0, 0));
    await db.query('INSERT INTO v1.items (id, n, tags, doc, at) VALUES ($1, $2, $3, $4, $5)', ['round', 7, tags, { k: [1, 'x'] }, at]);
    const { rows } = await db.query('SELECT n, tags, doc, at FROM v1.items WHERE id = $1', ['round']);
    expect(rows).toEqual([{ n: 7, tags, doc: { k: [1, 'x'] }, at }]);
  });

  test('a version sees its own schema, in transactions and plain statements, repeated or not', async () => {
    const v1 = db.inSchema('v1');
    const v2 = db.inSchema('v2');
    for (let i = 0; i < 3; i++) {
      await v1.transaction((tx) => tx.query('INSERT INTO items (id, n) VALUES ($1, $2)', [`one-${i}`, i]));
      await v2.query('INSERT INTO items (id, label) VALUES ($1, $2)', [`two-${i}`, `label ${i}`]);
    }
    expect((await v1.query<{ id: string }>('SELECT id FROM items WHERE id LIKE $1 ORDER BY id', ['one-%'])).rows.map((r) => r.id)).toEqual([
      'one-0',
      'one-1',
      'one-2',
    ]);
    expect((await v2.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 3 }]);
    // A version's path is not left to unbound statements: they still need qualified names.
    await expect(db.query('SELECT 1 FROM items')).rejects.toThrow(/does not exist/);
  });

  test('versions and unbound statements interleaved call by call, all at once, each resolve where they belong', async () => {
    const v1 = db.inSchema('v1');
    const v2 = db.inSchema('v2');
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      calls.push(v1.query<{ n: string }>("SELECT 'v1' AS n FROM items LIMIT 1").then((r) => r.rows[0]?.n));
      calls.push(
        v2.transaction(async (tx) => (await tx.query<{ n: string }>('SELECT label AS n FROM items WHERE id = $1', ['two-0'])).rows[0]?.n),
      );
      calls.push(
        db.query('SELECT 1 FROM items').then(
          () => 'resolved unbound',
          (err: Error) => err.message,
        ),
      );
      // A failing call in between: the path is still set right for the calls after it.
      calls.push(
        v2.query('SELECT missing FROM items').then(
          () => 'no error',
          (err: Error) => err.message,
        ),
      );
    }
    const answers = await Promise.all(calls);
    for (let i = 0; i < 10; i++) {
      expect(answers.slice(i * 4, i * 4 + 4)).toEqual([
        'v1',
        'label 0',
        expect.stringMatching(/relation "items" does not exist/),
        expect.stringMatching(/column "missing" does not exist/),
      ]);
    }
  });

  test('a failing statement rolls its transaction back, and the database goes on serving', async () => {
    const v1 = db.inSchema('v1');
    await expect(
      v1.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, n) VALUES ($1, $2)', ['lost', 1]);
        await tx.query('INSERT INTO items (id, n) VALUES ($1, $2)', ['lost', 2]);
      }),
    ).rejects.toThrow(/duplicate key/);
    await expect(v1.query('SELECT n FROM items WHERE id = $1 AND n = $2', ['missing', 'not a number'])).rejects.toThrow(/bigint/);
    expect((await v1.query('SELECT count(*)::int AS n FROM items WHERE id = $1', ['lost'])).rows).toEqual([{ n: 0 }]);
    expect((await v1.query('SELECT n FROM items WHERE id = $1', ['one-1'])).rows).toEqual([{ n: 1 }]);
  });

  test('a transaction whose failed statement was swallowed does not report a commit', async () => {
    const v1 = db.inSchema('v1');
    await expect(
      v1.transaction(async (tx) => {
        await tx.query('INSERT INTO items (id, n) VALUES ($1, $2)', ['swallowed', 1]);
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    expect((await v1.query('SELECT count(*)::int AS n FROM items WHERE id = $1', ['swallowed'])).rows).toEqual([{ n: 0 }]);
  });

  test('a statement prepared in a transaction that rolled back still runs, and follows a changed table', async () => {
    const v1 = db.inSchema('v1');
    const count = 'SELECT count(*)::int AS n FROM items WHERE n >= $1';
    await expect(
      v1.transaction(async (tx) => {
        await tx.query(count, [0]);
        throw new Error('abandoned');
      }),
    ).rejects.toThrow('abandoned');
    const before = (await v1.query<{ n: number }>(count, [0])).rows[0]?.n ?? 0;
    await db.query('ALTER TABLE v1.items ADD COLUMN extra text');
    await v1.query('INSERT INTO items (id, n, extra) VALUES ($1, $2, $3)', ['extra', 5, 'x']);
    expect((await v1.query(count, [0])).rows).toEqual([{ n: before + 1 }]);
  });

  test('released statements of a dropped schema are not reused for one of the same name', async () => {
    await db.query('CREATE SCHEMA v3');
    await db.query('CREATE TABLE v3.items (id text PRIMARY KEY)');
    const select = 'SELECT * FROM items ORDER BY 1';
    await db.inSchema('v3').query(select);
    await db.query('DROP SCHEMA v3 CASCADE');
    await db.release('v3');
    await db.query('CREATE SCHEMA v3');
    await db.query('CREATE TABLE v3.items (id text PRIMARY KEY, label text)');
    await db.query("INSERT INTO v3.items VALUES ('a', 'b')");
    expect((await db.inSchema('v3').query(select)).rows).toEqual([{ id: 'a', label: 'b' }]);
  });
});

describe('PGlite vacuuming', () => {
  test('tables whose rows keep changing are vacuumed by themselves, quiet ones are not, and writes go on meanwhile', async () => {
    const db = await openPgliteDatabase(undefined, { vacuumCheckMs: 20 });
    try {
      await db.query('CREATE TABLE hot (k text PRIMARY KEY, n bigint NOT NULL)');
      await db.query('CREATE TABLE quiet (k text PRIMARY KEY)');
      await db.query("INSERT INTO hot VALUES ('a', 0)");
      await db.query("INSERT INTO quiet VALUES ('a'), ('b')");
      const vacuums = async () =>
        Object.fromEntries(
          (await db.query<{ relname: string; n: number }>('SELECT relname, vacuum_count::int AS n FROM pg_stat_user_tables')).rows.map(
            (r) => [r.relname, r.n],
          ),
        );
      const deadline = Date.now() + 10_000;
      let updates = 0;
      while ((await vacuums())['hot'] === 0 && Date.now() < deadline) {
        for (let i = 0; i < 20; i++, updates++) await db.transaction((tx) => tx.query("UPDATE hot SET n = n + 1 WHERE k = 'a'"));
        // PGlite answers without I/O: the timers (the vacuum check among them) get their turn as in a process serving requests.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(await vacuums()).toEqual({ hot: expect.any(Number), quiet: 0 });
      expect((await vacuums())['hot']).toBeGreaterThan(0);
      expect((await db.query('SELECT n FROM hot')).rows).toEqual([{ n: updates }]);
    } finally {
      await db.close();
    }
  });

  test('a check interval of 0 turns vacuuming off', async () => {
    const idle = await openPgliteDatabase(undefined, { vacuumCheckMs: 0 });
    try {
      await idle.query('CREATE TABLE t (k int PRIMARY KEY, n int)');
      await idle.query('INSERT INTO t SELECT g, 0 FROM generate_series(1, 10) g');
      for (let i = 0; i < 100; i++) await idle.query('UPDATE t SET n = n + 1 WHERE k = 1');
      // Past the default interval too: 0 is not taken for "the default".
      await new Promise((resolve) => setTimeout(resolve, 2_300));
      expect((await idle.query('SELECT vacuum_count::int AS n FROM pg_stat_user_tables')).rows).toEqual([{ n: 0 }]);
    } finally {
      await idle.close();
    }
  });
});
