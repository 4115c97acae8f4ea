// A store from its URL. Two stores on the same URL (state and cache) share one connection.
// The SQL store is Postgres (pure-JS pg): Node 20 has no built-in SQLite, and the SQLite
// addons need a prebuilt download or a compiler at install time, which not every machine has.

import { ExpiringMap } from './memory.js';
import { keyvStore, type Backend } from './keyv-store.js';
import { StoreError, type Store } from './types.js';

export interface OpenStoreOptions {
  /** Prefix of every key, so deployments (or state and cache) can share one server. */
  namespace: string;
}

interface Shared { backend: Promise<Backend>; users: number }
const open = new Map<string, Shared>();

export async function openStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const location = redactUrl(url);
  let shared = open.get(url);
  if (!shared) {
    shared = { backend: openBackend(url, location), users: 0 };
    open.set(url, shared);
    shared.backend.catch(() => open.delete(url));
  }
  shared.users++;
  const backend = await shared.backend;
  let closed = false;
  const closeOnce = async () => {
    if (closed) return;
    closed = true;
    const entry = open.get(url);
    if (entry && --entry.users > 0) return;
    open.delete(url);
    await backend.close();
  };
  return keyvStore({ ...backend, close: closeOnce }, options.namespace);
}

async function openBackend(url: string, location: string): Promise<Backend> {
  const protocol = url.slice(0, url.indexOf(':') + 1);
  switch (protocol) {
    case 'memory:': {
      const map = new ExpiringMap();
      return {
        kind: 'memory', location: 'memory://', shared: false, adapter: map,
        claim: async (key, serialized, ttlMs) => map.claim(key, serialized, ttlMs),
        close: async () => map.stop(),
      };
    }
    case 'redis:':
    case 'rediss:':
      return (await import('./redis.js')).openRedis(url, location);
    case 'postgres:':
    case 'postgresql:':
      return (await import('./postgres.js')).openPostgres(url, location);
    default:
      throw new StoreError(`unsupported store URL ${location}; use memory://, redis://, rediss:// or postgres://`);
  }
}

/** The URL without user and password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
