// postgres://: for those without Redis. Keyv rows in table public.keyv; expired rows are swept periodically.

import KeyvPostgres from '@keyv/postgres';
import { StoreError } from './types.js';
import type { Backend } from './keyv-store.js';

const SWEEP_EVERY_MS = 60_000;
const EXPIRES = `(value::jsonb ->> 'expires')`;

export async function openPostgres(url: string, location: string): Promise<Backend> {
  const adapter = new KeyvPostgres({ uri: url, table: 'keyv', connectionTimeoutMillis: 5_000 } as ConstructorParameters<typeof KeyvPostgres>[0]);
  let lastError: Error | undefined;
  adapter.on('error', (error: Error) => (lastError = error));
  try {
    await adapter.query('SELECT 1');
  } catch (error) {
    await adapter.disconnect().catch(() => undefined);
    const cause = lastError ?? (error as Error);
    throw new StoreError(`cannot reach Postgres at ${location}: ${cause.message}; check that it runs, the database exists and the URL is right`, { cause });
  }
  const sweeper = setInterval(() => {
    adapter.query(`DELETE FROM public.keyv WHERE ${EXPIRES} IS NOT NULL AND ${EXPIRES}::bigint <= $1`, [Date.now()]).catch(() => undefined);
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  return {
    kind: 'postgres',
    location,
    shared: true,
    adapter,
    async claim(key, serialized) {
      // an expired row counts as absent, so it is overwritten
      const rows = await adapter.query(
        `INSERT INTO public.keyv (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value
         WHERE ${EXPIRES.replace('value', 'keyv.value')} IS NOT NULL AND ${EXPIRES.replace('value', 'keyv.value')}::bigint <= $3
         RETURNING key`,
        [key, serialized, Date.now()],
      );
      return rows.length === 1;
    },
    async close() {
      clearInterval(sweeper);
      await adapter.disconnect();
    },
  };
}
