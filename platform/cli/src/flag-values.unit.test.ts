import { nameFlag, portFlag, wholeNumber } from './flag-values';
import { UsageError } from './usage-error';

describe('flag values', () => {
  test.each([
    { name: 'digits', value: '42', expected: 42 },
    { name: 'zero', value: '0', expected: 0 },
    { name: 'empty', value: '', expected: undefined },
    { name: 'blank', value: ' ', expected: undefined },
    { name: 'exponent', value: '1e3', expected: undefined },
    { name: 'hex', value: '0x10', expected: undefined },
    { name: 'decimal point', value: '1.0', expected: undefined },
    { name: 'negative', value: '-1', expected: undefined },
    { name: 'beyond safe integers', value: '99999999999999999999', expected: undefined },
  ])('wholeNumber of $name', ({ value, expected }) => {
    expect(wholeNumber(value)).toBe(expected);
  });

  test.each([
    ['empty', ''],
    ['too large', '65536'],
    ['not a number', 'http'],
  ])('a %s port is a usage error naming the command and flag', (_name, value) => {
    expect(() => portFlag('autoscaler', '--port', value)).toThrow(UsageError);
    expect(() => portFlag('autoscaler', '--port', value)).toThrow(/^autoscaler: --port must be a port number/);
  });

  test('ports 0 and 65535 are fine', () => {
    expect(portFlag('emulator', '--port', '0')).toBe(0);
    expect(portFlag('emulator', '--port', '65535')).toBe(65_535);
  });

  test.each([
    ['empty', ''],
    ['blank', '  '],
    ['padded', ' g '],
  ])('a %s name is a usage error', (_name, value) => {
    expect(() => nameFlag('parked', '--group', value)).toThrow(/^parked: --group must be a non-empty name/);
  });
});
