// The isolate pool never keeps used isolates: discard() disposes at once (the teardown itself runs on
// isolated-vm's threads), even while executions keep starting, as under sustained load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolatePool } from '../../dist/sandbox/index.js';
import { createLogger } from '../../dist/logging/index.js';

const runtime = { apiIds: [], maxInFlight: 4, maxPendingCallbacks: 4, maxTimers: 10, maxLogChars: 1000, maxClockReadings: 100 };
const MEMORY = 64 * 1024 * 1024;
const logger = createLogger({ level: 'error', format: 'text' });

async function until(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('used isolates are disposed at once, even while executions are starting', async () => {
  const pool = new IsolatePool({ size: 0, memoryLimit: MEMORY, runtime, logger });
  try {
    const sandboxes = [];
    for (let i = 0; i < 20; i++) sandboxes.push(await pool.take(MEMORY)); // none calls started(): all still starting
    for (const sandbox of sandboxes) pool.discard(sandbox);
    assert.deepEqual(sandboxes.map((s) => s.disposed), sandboxes.map(() => true));
    await until(() => pool.discardedCount === 0, 'the teardowns to finish');
  } finally {
    pool.close();
  }
});

test('the pool refills after the teardowns of used isolates finish', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimit: MEMORY, runtime, logger });
  try {
    await pool.fill();
    const used = await pool.take(MEMORY);
    pool.started();
    assert.equal(pool.size, 1);
    pool.discard(used);
    await until(() => pool.size === 2, 'the pool to refill');
    assert.equal(pool.discardedCount, 0);
  } finally {
    pool.close();
  }
});

test('close() empties the pool and refuses further isolates', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimit: MEMORY, runtime, logger });
  await pool.fill();
  assert.equal(pool.size, 2);
  const used = await pool.take(MEMORY);
  pool.discard(used);
  pool.close();
  assert.equal(used.disposed, true);
  assert.equal(pool.size, 0);
  await assert.rejects(pool.take(MEMORY), /closed/);
});
