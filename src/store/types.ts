// A key-value store with TTLs, shared by instances when it is Redis or Postgres: sessions, paused
// executions and journals (state.store), and atp.cache (cache.store).

import type Keyv from 'keyv';

export type StoreKind = 'memory' | 'redis' | 'postgres';

export interface Store {
  readonly kind: StoreKind;
  /** The URL without credentials, for logs and the start-up summary. */
  readonly location: string;
  /** True when other processes can see this store's keys (Redis, Postgres). */
  readonly shared: boolean;
  /** The same keys as a Keyv, for engines written against keyv (the executor, atp.cache). */
  readonly keyv: Keyv;
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** ttlMs undefined or 0: kept until deleted. */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Sets the key only when it is absent (or expired), atomically across every process sharing the
   * store; true when this call set it. The building block for "at most once" (one resume per pause).
   */
  claim(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The store cannot be opened or reached: says which and what to check. */
export class StoreError extends Error {
  readonly status = 503;
  /** The message names the store's host: it is logged, and the client is told only what to do. */
  readonly expose = false;
  readonly publicMessage = 'the state store is unavailable; retry shortly';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
