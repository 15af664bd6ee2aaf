/**
 * XXH32 of a string's UTF-16 code units, with the seed EventStoreDB's pinned strategies use.
 * The real server hashes a string's UTF-16 bytes too; its early xxHash variant differs in
 * detail, so bucket numbers are not the server's — which consumer a stream lands on is not
 * observable anyway, only that one stream always lands on one consumer.
 */
const SEED = 0xc58f1a7b;
const PRIME1 = 2654435761;
const PRIME2 = 2246822519;
const PRIME3 = 3266489917;
const PRIME4 = 668265263;
const PRIME5 = 374761393;

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;
const round = (acc: number, lane: number): number => mul(rotl((acc + mul(lane, PRIME2)) >>> 0, 13), PRIME1);

export function hashStreamId(text: string): number {
  const bytes = Buffer.from(text, 'utf16le');
  const len = bytes.length;
  let offset = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (SEED + PRIME1 + PRIME2) >>> 0;
    let v2 = (SEED + PRIME2) >>> 0;
    let v3 = SEED >>> 0;
    let v4 = (SEED - PRIME1) >>> 0;
    while (offset + 16 <= len) {
      v1 = round(v1, bytes.readUInt32LE(offset));
      v2 = round(v2, bytes.readUInt32LE(offset + 4));
      v3 = round(v3, bytes.readUInt32LE(offset + 8));
      v4 = round(v4, bytes.readUInt32LE(offset + 12));
      offset += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (SEED + PRIME5) >>> 0;
  }
  h = (h + len) >>> 0;
  while (offset + 4 <= len) {
    h = mul(rotl((h + mul(bytes.readUInt32LE(offset), PRIME3)) >>> 0, 17), PRIME4);
    offset += 4;
  }
  while (offset < len) {
    h = mul(rotl((h + mul(bytes[offset]!, PRIME5)) >>> 0, 11), PRIME1);
    offset++;
  }
  h = mul(h ^ (h >>> 15), PRIME2);
  h = mul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
}
