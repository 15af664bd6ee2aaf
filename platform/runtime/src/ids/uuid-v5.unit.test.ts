import { randomUUID } from 'node:crypto';
import { SPILLWAY_NAMESPACE, uuidV5 } from './uuid-v5';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('uuidV5', () => {
  test('matches the published vector for www.example.com in the DNS namespace', () => {
    expect(uuidV5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  test('is deterministic and sensitive to the name', () => {
    const cause = randomUUID();
    expect(uuidV5(`${cause}/reserve`)).toBe(uuidV5(`${cause}/reserve`));
    expect(uuidV5(`${cause}/reserve`)).not.toBe(uuidV5(`${cause}/release`));
  });

  test('sets version 5 and the RFC variant', () => {
    const id = uuidV5('anything', SPILLWAY_NAMESPACE);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('rejects a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow("not a UUID: 'not-a-uuid'");
  });
});
