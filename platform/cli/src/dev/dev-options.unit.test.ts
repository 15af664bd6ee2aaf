import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../usage-error';
import { DEFAULT_PORTS_FROM, devOptions } from './dev-options';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'spillway-options-'));
  mkdirSync(join(root, 'functions'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("spillway dev's flags", () => {
  test("by default: the repository's .data, the shop's documented ports, others from 8084", async () => {
    const options = await devOptions(['--dir', root]);
    expect(options.root).toBe(root);
    expect(options.dataDir).toBe(join(root, '.data'));
    expect([...options.documentedPorts]).toEqual([
      ['order-create', 8081],
      ['stock-reservation', 8082],
      ['order-projector', 8083],
    ]);
    expect(options.portsFrom).toBe(DEFAULT_PORTS_FROM);
    expect(options.ports).toEqual({ emulator: 2113, gateway: 8080 });
  });

  test('a given data folder is taken relative to where dev was started; port 0 becomes a free port', async () => {
    const options = await devOptions(['--dir', root, '--data-dir', 'elsewhere', '--order-create-port', '0', '--ports-from', '0']);
    expect(options.dataDir).toBe(resolve('elsewhere'));
    expect(options.documentedPorts.get('order-create')).toBeGreaterThan(0);
    // 0 stays 0: each further function asks the OS for its own port.
    expect(options.portsFrom).toBe(0);
  });

  test('--run-projections is taken in any case, and absent leaves the choice to dev', async () => {
    expect((await devOptions(['--dir', root, '--run-projections', 'System'])).runProjections).toBe('system');
    expect((await devOptions(['--dir', root])).runProjections).toBeUndefined();
  });

  test.each([
    { name: 'an unknown --run-projections level', argv: ['--run-projections', 'some'] },
    { name: 'a --ports-from beyond the last port', argv: ['--ports-from', '70000'] },
    { name: 'a --dir without functions/', argv: ['--dir', tmpdir()] },
  ])('$name is a usage error', async ({ argv }) => {
    await expect(devOptions(['--dir', root, ...argv])).rejects.toThrow(UsageError);
  });
});
