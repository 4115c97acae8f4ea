// Every backend behind one Store: Keyv does values, TTLs and serialization; each backend adds an atomic claim.

import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { StoreError, type Store, type StoreKind } from './types.js';

export interface Backend {
  kind: StoreKind;
  location: string;
  shared: boolean;
  adapter: KeyvStoreAdapter | Map<string, unknown>;
  /** Writes `serialized` under `key` unless a live entry is there; true when written. */
  claim(key: string, serialized: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function keyvStore(backend: Backend, namespace: string): Store {
  const keyv = new Keyv({ store: backend.adapter, namespace: undefined, useKeyPrefix: false, throwOnErrors: true });
  const prefix = namespace ? `${namespace}:` : '';
  const failed = (what: string, key: string) => (error: unknown): never => {
    throw new StoreError(`${backend.kind} store at ${backend.location} failed to ${what} ${key}: ${(error as Error).message}`, { cause: error });
  };
  return {
    kind: backend.kind,
    location: backend.location,
    shared: backend.shared,
    async get<T>(key: string) {
      return (await keyv.get<T>(prefix + key).catch(failed('read', key))) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await keyv.set(prefix + key, value, ttlMs && ttlMs > 0 ? ttlMs : undefined).catch(failed('write', key));
    },
    async delete(key) {
      return keyv.delete(prefix + key).catch(failed('delete', key));
    },
    async claim(key, value, ttlMs) {
      const serialized = await keyv.serialize!({ value, expires: ttlMs > 0 ? Date.now() + ttlMs : undefined });
      return backend.claim(prefix + key, serialized as string, ttlMs).catch(failed('claim', key));
    },
    close: () => backend.close(),
  };
}
