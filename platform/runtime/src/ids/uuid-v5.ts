import { createHash } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Spillway's own namespace for derived event ids (a fixed random UUID, never change it: ids would stop matching). */
export const SPILLWAY_NAMESPACE = '7b1f0c8e-3d4a-4f5b-9c2e-6a8d0e1f2b3c';

function toBytes(uuid: string): Buffer {
  if (!UUID_PATTERN.test(uuid)) throw new Error(`not a UUID: '${uuid}'`);
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/** RFC 9562 name-based UUID (version 5, SHA-1): the same namespace and name always give the same id. */
export function uuidV5(name: string, namespace: string = SPILLWAY_NAMESPACE): string {
  const hash = createHash('sha1').update(toBytes(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
