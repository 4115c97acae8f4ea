// postgres://: for those without Redis. Our own small Keyv adapter over pg rather than @keyv/postgres: that
// one shares a module-global pool between stores (closing one ends the other's), has no TTL column and no
// listener for a lost connection, so a Postgres restart crashed the daemon.

import pg from 'pg';
import type { KeyvStoreAdapter } from 'keyv';
import { StoreError } from './types.js';
import type { Backend } from './keyv-store.js';

const TABLE = 'atp_kv';
const SWEEP_EVERY_MS = 60_000;
const LIVE = '(expires_at IS NULL OR expires_at > $2)';
// Two instances creating the table at once: the loser sees a unique violation on the catalog (23505), or
// "relation/type already exists" (42P07, 42710); a second attempt then finds the table and does nothing.
const CREATE_RACE = new Set(['23505', '42P07', '42710']);

async function createTable(pool: pg.Pool): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at BIGINT)`);
      return;
    } catch (error) {
      if (attempt >= 3 || !CREATE_RACE.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

export async function openPostgres(url: string, location: string): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 5_000, max: 10 });
  let lastError: Error | undefined;
  // an idle connection that breaks (Postgres restarted) must not crash the daemon; the next query reconnects
  pool.on('error', (error) => (lastError = error));
  const query = async (sql: string, values: unknown[]) => (await pool.query(sql, values)).rows as Record<string, unknown>[];
  try {
    await createTable(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const cause = (error as Error).message ? (error as Error) : (lastError ?? (error as Error));
    throw new StoreError(`cannot reach Postgres at ${location}: ${cause.message}; check that it runs, the database exists and the URL is right`, { cause });
  }
  const sweeper = setInterval(() => {
    query(`DELETE FROM ${TABLE} WHERE expires_at IS NOT NULL AND expires_at <= $1`, [Date.now()]).catch(() => undefined);
  }, SWEEP_EVERY_MS);
  sweeper.unref();

  const adapter = {
    opts: {},
    namespace: undefined as string | undefined,
    async get(key: string) {
      const rows = await query(`SELECT value FROM ${TABLE} WHERE key = $1 AND ${LIVE}`, [key, Date.now()]);
      return rows[0]?.value as string | undefined;
    },
    async set(key: string, value: string, ttl?: number) {
      const expiresAt = ttl && ttl > 0 ? Date.now() + ttl : null;
      await query(
        `INSERT INTO ${TABLE} (key, value, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
        [key, value, expiresAt],
      );
      return true;
    },
    async delete(key: string) {
      const rows = await query(`DELETE FROM ${TABLE} WHERE key = $1 AND ${LIVE} RETURNING key`, [key, Date.now()]);
      return rows.length > 0;
    },
    async has(key: string) {
      return (await query(`SELECT 1 FROM ${TABLE} WHERE key = $1 AND ${LIVE}`, [key, Date.now()])).length > 0;
    },
    async clear() {
      throw new StoreError('clearing a store is not supported');
    },
    on() {
      return adapter;
    },
  };

  return {
    kind: 'postgres',
    location,
    shared: true,
    adapter: adapter as unknown as KeyvStoreAdapter,
    async claim(key, serialized, ttlMs) {
      const now = Date.now();
      // an expired row counts as absent, so it is overwritten
      const rows = await query(
        `INSERT INTO ${TABLE} (key, value, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         WHERE ${TABLE}.expires_at IS NOT NULL AND ${TABLE}.expires_at <= $4
         RETURNING key`,
        [key, serialized, ttlMs > 0 ? now + ttlMs : null, now],
      );
      return rows.length === 1;
    },
    async close() {
      clearInterval(sweeper);
      await pool.end();
    },
  };
}
