// The isolate pool disposes used isolates in the background, but never lets them pile up: a backlog beyond
// its bound is disposed at once, even while executions keep starting (as under sustained load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolatePool } from '../../dist/sandbox/index.js';
import { createLogger } from '../../dist/logging/index.js';

const runtime = { apiIds: [], maxInFlight: 4, maxPendingCallbacks: 4, maxTimers: 10, maxLogChars: 1000, maxClockReadings: 100 };
const MEMORY = 64 * 1024 * 1024;

test('used isolates beyond the backlog bound are disposed at once while executions are starting', async () => {
  const pool = new IsolatePool({ size: 0, memoryLimit: MEMORY, runtime, logger: createLogger({ level: 'error', format: 'text' }) });
  try {
    const sandboxes = [];
    for (let i = 0; i < 20; i++) sandboxes.push(await pool.take(MEMORY)); // none calls started(): all still starting
    for (const sandbox of sandboxes) pool.discard(sandbox);
    assert.equal(pool.discardedCount, 16);
    assert.deepEqual(sandboxes.map((s) => s.disposed), sandboxes.map((_, i) => i < 4));
  } finally {
    pool.close();
  }
});

test('close() disposes warm and used isolates', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimit: MEMORY, runtime, logger: createLogger({ level: 'error', format: 'text' }) });
  await pool.fill();
  const used = await pool.take(MEMORY);
  pool.discard(used);
  const warm = await pool.take(MEMORY);
  pool.close();
  assert.equal(used.disposed, true);
  assert.equal(pool.discardedCount, 0);
  assert.equal(pool.size, 0);
  warm.dispose();
});
