// memory://: this process only. A Map that also drops expired entries, so forgotten keys do not pile up.

const SWEEP_EVERY_MS = 30_000;

/** The Map Keyv writes into; Keyv passes each entry's TTL as the third argument of set. */
export class ExpiringMap extends Map<string, unknown> {
  private readonly expiresAt = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    super();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  override set(key: string, value: unknown, ttlMs?: number): this {
    super.set(key, value);
    // Map's constructor calls set before our fields exist
    if (this.expiresAt) {
      if (ttlMs && ttlMs > 0) this.expiresAt.set(key, Date.now() + ttlMs);
      else this.expiresAt.delete(key);
    }
    return this;
  }

  override get(key: string): unknown {
    if (this.expired(key)) this.delete(key);
    return super.get(key);
  }

  override has(key: string): boolean {
    if (this.expired(key)) this.delete(key);
    return super.has(key);
  }

  override delete(key: string): boolean {
    this.expiresAt.delete(key);
    return super.delete(key);
  }

  override clear(): void {
    this.expiresAt.clear();
    super.clear();
  }

  /** Synchronous, hence atomic within this process. */
  claim(key: string, serialized: string, ttlMs: number): boolean {
    if (this.has(key)) return false;
    this.set(key, serialized, ttlMs);
    return true;
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private expired(key: string): boolean {
    const at = this.expiresAt.get(key);
    return at !== undefined && at <= Date.now();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, at] of this.expiresAt) if (at <= now) this.delete(key);
  }
}
