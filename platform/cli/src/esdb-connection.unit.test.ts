import { DEFAULT_ESDB_CONNECTION, esdbConnection } from './esdb-connection';
import { UsageError } from './usage-error';

describe('the EventStoreDB connection of every spillway command', () => {
  const saved = process.env['ESDB_CONNECTION_STRING'];
  afterEach(() => {
    if (saved === undefined) delete process.env['ESDB_CONNECTION_STRING'];
    else process.env['ESDB_CONNECTION_STRING'] = saved;
  });

  test.each([
    ['one node', 'esdb://127.0.0.1:2113?tls=false'],
    ['a node or cluster found through Gossip', 'esdb+discover://127.0.0.1:2113?tls=false'],
  ])('--connection takes %s (%s)', (_name, connection) => {
    expect(esdbConnection('status', connection)).toBe(connection);
  });

  test('ESDB_CONNECTION_STRING takes the esdb+discover:// form; unset, the local default', () => {
    process.env['ESDB_CONNECTION_STRING'] = 'esdb+discover://db:2113?tls=false';
    expect(esdbConnection('parked', undefined)).toBe('esdb+discover://db:2113?tls=false');
    delete process.env['ESDB_CONNECTION_STRING'];
    expect(esdbConnection('parked', undefined)).toBe(DEFAULT_ESDB_CONNECTION);
  });

  test('anything else is refused, naming the flag', () => {
    expect(() => esdbConnection('status', 'http://db:2113')).toThrow(UsageError);
    expect(() => esdbConnection('status', 'http://db:2113')).toThrow(/--connection must be an esdb:\/\/ connection string/);
  });
});
