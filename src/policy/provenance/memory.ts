// Restricted values a client read, remembered in the state store for state.ttl: an agent that pastes them into
// a later program as literals (on any instance sharing the store) still has them treated as restricted.

import type { RememberedValue } from './tracker.js';

/** The part of Keyv this needs (the state store). */
export interface RememberStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
}

/** The most values kept per client; the oldest go first. */
const MAX_VALUES = 4096;

export class RememberedValues {
  /** The write under way per client: a read-modify-write must not lose the one before it. */
  private readonly writes = new Map<string, Promise<void>>();
  /** Values waiting for the next write, per client: many reads in a row make one write, not one each. */
  private readonly queued = new Map<string, RememberedValue[]>();

  constructor(private readonly store: RememberStore, private readonly ttlMs: number, private readonly onError: (error: Error) => void) {}

  async load(clientId: string): Promise<RememberedValue[]> {
    await this.writes.get(clientId); // this instance's own writes first
    try {
      return valuesOf(await this.store.get(keyOf(clientId)));
    } catch (error) {
      this.onError(error as Error);
      return [];
    }
  }

  add(clientId: string, values: RememberedValue[]): void {
    const queued = this.queued.get(clientId);
    if (queued) {
      queued.push(...values); // a write is scheduled and has not read the store yet: it takes these too
      return;
    }
    this.queued.set(clientId, [...values]);
    const previous = this.writes.get(clientId) ?? Promise.resolve();
    const next = previous.then(() => this.write(clientId));
    this.writes.set(clientId, next);
    void next.then(() => {
      if (this.writes.get(clientId) === next) this.writes.delete(clientId);
    });
  }

  private async write(clientId: string): Promise<void> {
    const values = this.queued.get(clientId) ?? [];
    this.queued.delete(clientId);
    try {
      const known = valuesOf(await this.store.get(keyOf(clientId)));
      const seen = new Set(values.map(identity));
      const merged = [...known.filter((item) => !seen.has(identity(item))), ...dedupe(values)].slice(-MAX_VALUES);
      await this.store.set(keyOf(clientId), { v: 1, values: merged }, this.ttlMs);
    } catch (error) {
      this.onError(error as Error);
    }
  }
}

function dedupe(values: RememberedValue[]): RememberedValue[] {
  const byIdentity = new Map(values.map((item) => [identity(item), item]));
  return [...byIdentity.values()];
}

const keyOf = (clientId: string): string => `provenance:${clientId}`;
const identity = (item: RememberedValue): string => `${typeof item.value}\u0000${item.value}\u0000${item.origin}\u0000${item.readers.join('\u0000')}`;

function valuesOf(stored: unknown): RememberedValue[] {
  const values = (stored as { values?: unknown } | undefined)?.values;
  if (!Array.isArray(values)) return [];
  return values.filter((item): item is RememberedValue =>
    typeof item === 'object' && item !== null && (typeof item.value === 'string' || typeof item.value === 'number') && typeof item.origin === 'string' && Array.isArray(item.readers));
}
