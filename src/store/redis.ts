// redis:// and rediss://: shared by every instance using the same server (pause on one, resume on another).

import KeyvRedis, { createClient } from '@keyv/redis';
import { StoreError } from './types.js';
import type { Backend } from './keyv-store.js';

const CONNECT_TIMEOUT_MS = 5_000;

export async function openRedis(url: string, location: string): Promise<Backend> {
  let connectedOnce = false;
  const client = createClient({
    url,
    // fail fast while Redis is down instead of queueing requests that hang
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (attempts: number, cause: Error) => (connectedOnce ? Math.min(2 ** attempts * 50, 2_000) : cause) },
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  const adapter = new KeyvRedis(client, { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: CONNECT_TIMEOUT_MS });
  adapter.on('error', (error: Error) => (lastError = error));
  try {
    await adapter.getClient();
    await client.ping();
    connectedOnce = true;
  } catch (error) {
    if (client.isOpen) client.destroy();
    const cause = lastError ?? (error as Error);
    throw new StoreError(`cannot reach Redis at ${location}: ${cause.message || cause.name}; check that it runs and the URL is right`, { cause });
  }
  return {
    kind: 'redis',
    location,
    shared: true,
    adapter,
    async claim(key, serialized, ttlMs) {
      const reply = await client.set(key, serialized, ttlMs > 0 ? { condition: 'NX', expiration: { type: 'PX', value: ttlMs } } : { condition: 'NX' });
      return reply === 'OK';
    },
    async close() {
      if (client.isOpen) await client.close();
    },
  };
}
