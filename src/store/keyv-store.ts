// Every backend behind one Store: Keyv does values, TTLs and serialization; each backend adds an atomic claim.
// Each Store gets its own Keyv over a key-prefixing view of the shared backend, so engines that take a Keyv
// (the executor, atp.cache) share the connection and still stay inside the store's namespace.

import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { StoreError, type Store, type StoreKind } from './types.js';

type Adapter = KeyvStoreAdapter | Map<string, unknown>;

export interface Backend {
  kind: StoreKind;
  location: string;
  shared: boolean;
  adapter: Adapter;
  /** Writes `serialized` under `key` unless a live entry is there; true when written. */
  claim(key: string, serialized: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const storesByKeyv = new WeakMap<Keyv, Store>();

/**
 * Store.claim for code that holds only the Keyv of a store (the executor): atomic across every process
 * sharing the backend (Redis SET NX, Postgres INSERT ... ON CONFLICT). Undefined for a Keyv not made here.
 */
export function claimFor(keyv: Keyv): Store['claim'] | undefined {
  const store = storesByKeyv.get(keyv);
  return store && ((key, value, ttlMs) => store.claim(key, value, ttlMs));
}

export function keyvStore(backend: Backend, namespace: string): Store {
  const prefix = namespace ? `${namespace}:` : '';
  const keyv = new Keyv({ store: prefixed(backend, prefix), namespace: undefined, useKeyPrefix: false, throwOnErrors: true });
  const failed = (what: string, key: string) => (error: unknown): never => {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`${backend.kind} store at ${backend.location} failed to ${what} ${key}: ${(error as Error).message}`, { cause: error });
  };
  const store: Store = {
    kind: backend.kind,
    location: backend.location,
    shared: backend.shared,
    keyv,
    async get<T>(key: string) {
      return (await keyv.get<T>(key).catch(failed('read', key))) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await keyv.set(key, value, ttlMs && ttlMs > 0 ? ttlMs : undefined).catch(failed('write', key));
    },
    async delete(key) {
      return keyv.delete(key).catch(failed('delete', key));
    },
    async claim(key, value, ttlMs) {
      const serialized = await keyv.serialize!({ value, expires: ttlMs > 0 ? Date.now() + ttlMs : undefined });
      return backend.claim(prefix + key, serialized as string, ttlMs).catch(failed('claim', key));
    },
    close: () => backend.close(),
  };
  storesByKeyv.set(keyv, store);
  return store;
}

/**
 * The backend seen through a key prefix: what Keyv needs (get/set/delete/has/clear) plus the Redis client.
 * Failures become StoreError, so whoever uses the Keyv (the executor) surfaces them as "store unavailable".
 */
function prefixed(backend: Backend, prefix: string): KeyvStoreAdapter {
  const inner = backend.adapter;
  const target = inner as unknown as Record<string, unknown> & {
    get(key: string): unknown; set(key: string, value: unknown, ttl?: number): unknown; delete(key: string): unknown; has?(key: string): unknown;
  };
  const guard = async <T>(what: string, key: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(`${backend.kind} store at ${backend.location} failed to ${what} ${key}: ${(error as Error).message}`, { cause: error });
    }
  };
  const view: Record<string, unknown> = {
    opts: {},
    namespace: undefined,
    get: (key: string) => guard('read', key, async () => target.get(prefix + key)),
    set: (key: string, value: unknown, ttl?: number) => guard('write', key, async () => { await target.set(prefix + key, value, ttl); return true; }),
    delete: (key: string) => guard('delete', key, async () => Boolean(await target.delete(prefix + key))),
    has: (key: string) => guard('read', key, async () => (target.has ? Boolean(await target.has(prefix + key)) : (await target.get(prefix + key)) !== undefined)),
    // clearing a shared backend would wipe other namespaces: refused
    clear: async () => { throw new StoreError('clearing a store is not supported'); },
    on: (event: string, listener: (...args: unknown[]) => void) => {
      if (typeof target.on === 'function') (target.on as (e: string, l: unknown) => void).call(inner, event, listener);
      return view;
    },
  };
  // engines detect Redis by getClient() to use SET NX themselves
  if (typeof target.getClient === 'function') view.getClient = () => (target.getClient as () => unknown).call(inner);
  return view as unknown as KeyvStoreAdapter;
}
