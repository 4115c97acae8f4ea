// The isolate pool never keeps used isolates: discard() disposes at once (the teardown itself runs on
// isolated-vm's threads), even while executions keep starting, as under sustained load. Isolates are built
// on isolated-vm's threads (bench/sandbox-isolate-cost.js measures what that spares this thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolatePool } from '../../dist/sandbox/index.js';
import { createLogger } from '../../dist/logging/index.js';

const runtime = { maxInFlight: 4, maxPendingCallbacks: 4, maxTimers: 10, maxLogChars: 1000, maxClockReadings: 100 };
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
  const pool = new IsolatePool({ size: 0, memoryLimit: MEMORY, runtime, apiIds: [], logger });
  try {
    const sandboxes = [];
    for (let i = 0; i < 20; i++) sandboxes.push(await pool.take(MEMORY));
    for (const sandbox of sandboxes) pool.discard(sandbox);
    assert.deepEqual(sandboxes.map((s) => s.disposed), sandboxes.map(() => true));
    await until(() => pool.discardedCount === 0, 'the teardowns to finish');
  } finally {
    await pool.close(); // the process must not exit while helpers still build or tear down
  }
});

test('the pool refills as soon as an isolate is taken', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimit: MEMORY, runtime, apiIds: [], logger });
  try {
    await pool.fill();
    const used = await pool.take(MEMORY);
    assert.equal(pool.size, 1);
    await until(() => pool.size === 2, 'the pool to refill');
    pool.discard(used);
    await until(() => pool.discardedCount === 0, 'the teardown to finish');
  } finally {
    await pool.close();
  }
});

test('takes beyond the pool each wait for an isolate of their own, built for them', async () => {
  const pool = new IsolatePool({ size: 1, memoryLimit: MEMORY, runtime, apiIds: [], logger, parallelism: 2 });
  try {
    await pool.fill();
    const sandboxes = await Promise.all(Array.from({ length: 12 }, () => pool.take(MEMORY)));
    assert.equal(new Set(sandboxes).size, 12, 'every take gets its own isolate');
    for (const sandbox of sandboxes) {
      assert.equal(sandbox.disposed, false);
      pool.discard(sandbox);
    }
    await until(() => pool.size === 1 && pool.discardedCount === 0, 'the pool to refill');
  } finally {
    await pool.close();
  }
});

test('a take waiting for an isolate is refused when the pool closes', async () => {
  const pool = new IsolatePool({ size: 0, memoryLimit: MEMORY, runtime, apiIds: [], logger, parallelism: 1 });
  const taken = pool.take(MEMORY);
  const closing = pool.close();
  await assert.rejects(taken, /closed/);
  await closing;
});

test('close() empties the pool and refuses further isolates', async () => {
  const pool = new IsolatePool({ size: 2, memoryLimit: MEMORY, runtime, apiIds: [], logger });
  await pool.fill();
  assert.equal(pool.size, 2);
  const used = await pool.take(MEMORY);
  pool.discard(used);
  const closing = pool.close();
  assert.equal(used.disposed, true);
  assert.equal(pool.size, 0);
  await assert.rejects(pool.take(MEMORY), /closed/);
  await closing;
});

test('fill() rehearses an execution first: the runtime code cache then holds the functions it ran', async () => {
  const pool = new IsolatePool({ size: 1, memoryLimit: MEMORY, runtime, apiIds: [], logger });
  try {
    const compiled = await pool.take(MEMORY); // built before any rehearsal: the cache of the compiled script alone
    const before = pool.codeCacheBytes;
    pool.discard(compiled);
    await pool.fill();
    assert.ok(before > 0, 'a code cache was produced at the first build');
    assert.ok(pool.codeCacheBytes > before * 1.3, `the rehearsed cache (${pool.codeCacheBytes} bytes) is larger than the compile-time one (${before})`);
    const sandbox = await pool.take(MEMORY);
    assert.equal(sandbox.disposed, false);
    pool.discard(sandbox);
  } finally {
    await pool.close();
  }
});
