// Paused executions whose isolate stays alive on this instance, so a resume continues in place. Bounded in
// number and in heap; the oldest spill (isolate disposed, journal already in the store) and expire after
// maxPauseDuration.

export interface LiveEntry {
  readonly id: string;
  /** Heap of the paused isolate, bytes. */
  readonly memoryUsed: number;
  /** Frees the isolate; the execution can still be resumed from the store by replay. */
  spill(reason: 'evicted' | 'expired' | 'closing'): void;
}

export interface LiveLimits { max: number; memory: number; maxPauseDuration: number }

export class LivePaused<E extends LiveEntry> {
  private readonly entries = new Map<string, { entry: E; timer: NodeJS.Timeout }>();
  private memory = 0;

  constructor(private readonly limits: LiveLimits) {}

  get size(): number {
    return this.entries.size;
  }

  get memoryUsed(): number {
    return this.memory;
  }

  /** Keeps a paused execution live, spilling the oldest ones (possibly this one) beyond the limits. */
  add(entry: E): void {
    const timer = setTimeout(() => this.drop(entry.id, 'expired'), Math.min(this.limits.maxPauseDuration, 2 ** 31 - 1));
    timer.unref();
    this.entries.set(entry.id, { entry, timer });
    this.memory += entry.memoryUsed;
    for (const [id] of this.entries) {
      if (this.entries.size <= this.limits.max && this.memory <= this.limits.memory) break;
      this.drop(id, 'evicted');
    }
  }

  /** Removes and returns the live execution, to resume it. */
  take(id: string): E | undefined {
    const found = this.entries.get(id);
    if (!found) return undefined;
    this.remove(id, found);
    return found.entry;
  }

  peek(id: string): E | undefined {
    return this.entries.get(id)?.entry;
  }

  close(): void {
    for (const [id] of this.entries) this.drop(id, 'closing');
  }

  private drop(id: string, reason: 'evicted' | 'expired' | 'closing'): void {
    const found = this.entries.get(id);
    if (!found) return;
    this.remove(id, found);
    found.entry.spill(reason);
  }

  private remove(id: string, found: { entry: E; timer: NodeJS.Timeout }): void {
    clearTimeout(found.timer);
    this.entries.delete(id);
    this.memory -= found.entry.memoryUsed;
  }
}
