/** Positions per chunk: 512 KiB of float64, so each chunk is its own mapping that malloc gives back whole. */
const CHUNK_SHIFT = 16;
const CHUNK_SIZE = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_SIZE - 1;

/**
 * `$all`: the log position of every event by index, in fixed-size Float64Array chunks. A
 * plain array of a million numbers sits in V8's heap and is copied whole each time it grows,
 * leaving the old copy for the next full collection; chunks are never copied, and their
 * bytes are outside the heap that V8 sizes itself by. Positions are file offsets: exact in a
 * float64 up to 2^53.
 */
export class PositionIndex {
  private readonly chunks: Float64Array[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(position: number): void {
    const offset = this.count & CHUNK_MASK;
    if (offset === 0) this.chunks.push(new Float64Array(CHUNK_SIZE));
    this.chunks[this.chunks.length - 1]![offset] = position;
    this.count++;
  }

  /** The position of event `index` (below `length`). */
  at(index: number): number {
    return this.chunks[index >>> CHUNK_SHIFT]![index & CHUNK_MASK]!;
  }
}
