// atp.cache: keyv underneath, every key prefixed with the calling client's id so no client reads another's.
// The deployment's namespace (cache.namespace) is the store's business (src/store prefixes every key).

import type Keyv from 'keyv';

export class ClientCache {
  constructor(
    private readonly store: Keyv,
    private readonly defaultTTL: number,
  ) {}

  async get(clientId: string, key: string): Promise<unknown> {
    const value = await this.store.get(this.key(clientId, key));
    return value === undefined ? null : value;
  }

  async set(clientId: string, key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const ttl = ttlSeconds === undefined ? this.defaultTTL : Math.round(ttlSeconds * 1000);
    await this.store.set(this.key(clientId, key), value, ttl > 0 ? ttl : undefined);
  }

  async has(clientId: string, key: string): Promise<boolean> {
    return this.store.has(this.key(clientId, key));
  }

  async delete(clientId: string, key: string): Promise<boolean> {
    return this.store.delete(this.key(clientId, key));
  }

  /** The client id's length makes the prefix unambiguous whatever characters ids and keys contain. */
  private key(clientId: string, key: string): string {
    return `cache:${clientId.length}:${clientId}:${key}`;
  }
}
