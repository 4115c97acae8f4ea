// The per-group cap on calls in flight: one agent's Promise.all over 1,000 items must not flood an upstream.

/** FIFO gate: at most `max` functions run at once; the rest wait in call order until a slot frees or their signal aborts. */
export class ConcurrencyLimit {
  readonly max: number;
  private running = 0;
  private readonly waiting: Array<{ start: () => void; abandoned: boolean }> = [];
  private head = 0;

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a concurrency cap must be a positive integer, not ${max}`);
    this.max = max;
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    let count = 0;
    for (let i = this.head; i < this.waiting.length; i++) if (!this.waiting[i].abandoned) count++;
    return count;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.max) await this.slot(signal);
    else this.running++;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private slot(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        entry.abandoned = true;
        reject(signal!.reason);
      };
      const entry = {
        abandoned: false,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Hands the slot straight to the next live waiter, so `running` never dips and refills out of order. */
  private release(): void {
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head++];
      if (next.abandoned) continue;
      this.compact();
      next.start();
      return;
    }
    this.compact();
    this.running--;
  }

  private compact(): void {
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}
