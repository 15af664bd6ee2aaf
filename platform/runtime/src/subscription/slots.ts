/** At most `size` tasks run at once; the others wait their turn in arrival order. */
export class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private size: number) {}

  /** From now on at most `size` tasks run at once; tasks already running finish, waiters start as room frees. */
  resize(size: number): void {
    this.size = size;
    while (this.running < this.size && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()?.();
    }
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter; only free it when nobody waits (or the slots shrank).
      const next = this.running <= this.size ? this.waiting.shift() : undefined;
      if (next) next();
      else this.running--;
    }
  }
}
