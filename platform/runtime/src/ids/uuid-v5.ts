import { hash } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Spillway's own namespace for derived event ids (a fixed random UUID, never change it: ids would stop matching). */
export const SPILLWAY_NAMESPACE = '7b1f0c8e-3d4a-4f5b-9c2e-6a8d0e1f2b3c';

// Every event a function writes derives its id here, several per request or event: the namespace's
// bytes are parsed once, not checked and decoded again for each id.
const namespaces = new Map<string, Buffer>();
// A caller passing ever new namespaces must not grow the map for ever; real callers use one or two.
const MAX_CACHED_NAMESPACES = 64;

function toBytes(uuid: string): Buffer {
  const cached = namespaces.get(uuid);
  if (cached) return cached;
  if (!UUID_PATTERN.test(uuid)) throw new Error(`not a UUID: '${uuid}'`);
  const bytes = Buffer.from(uuid.replaceAll('-', ''), 'hex');
  if (namespaces.size >= MAX_CACHED_NAMESPACES) namespaces.clear();
  namespaces.set(uuid, bytes);
  return bytes;
}

/** RFC 9562 name-based UUID (version 5, SHA-1): the same namespace and name always give the same id. */
export function uuidV5(name: string, namespace: string = SPILLWAY_NAMESPACE): string {
  const prefix = toBytes(namespace);
  const input = Buffer.allocUnsafe(prefix.length + Buffer.byteLength(name, 'utf8'));
  prefix.copy(input, 0);
  input.write(name, prefix.length, 'utf8');
  // One-shot hash: a Hash object per id (createHash, update, digest) cost more than the hashing itself.
  const bytes = hash('sha1', input, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
