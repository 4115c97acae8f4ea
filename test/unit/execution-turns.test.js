// The two turn paths alone, each driving a real sandbox for a host that records what it is told:
// EventLoopTurns runs turns on this thread (and hands a turn that outgrows its budget back), ThreadTurns runs
// them on isolated-vm's threads and counts what it awaits and what no snapshot has covered yet.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { IsolatePool, transpile } from '../../dist/sandbox/index.js';
import { EventLoopTurns, ThreadTurns } from '../../dist/execution/turns.js';
import { createLogger } from '../../dist/logging/index.js';
import { OK } from '../../dist/sandbox/index.js';
import { giveBack } from '../../dist/execution/give-back.js';

const runtime = { maxInFlight: 4, maxPendingCallbacks: 4, maxTimers: 10, maxLogChars: 1000, maxClockReadings: 100 };
const MEMORY = 64 * 1024 * 1024;
const SETUP = { clientTools: [], seed: [1, 2, 3, 4], replayClock: null, maxLogEntries: 10, maxResultChars: 10_000 };
const logger = createLogger({ level: 'silent', format: 'text' });
const pool = new IsolatePool({ size: 0, memoryLimit: MEMORY, runtime, apiIds: ['demo.add'], logger });
after(() => pool.close());

/** A TurnHost that records its calls; `posts` collects what the sandbox posted. */
async function hostWithSandbox() {
  const sandbox = await pool.take(MEMORY);
  const seen = { events: [], journaled: [], failures: [], posts: [], active: 0, running: true };
  sandbox.listen((type, a, b, c, d) => seen.posts.push([type, a, b, c, d].filter((value) => value !== undefined)));
  const host = {
    id: 'exe_test',
    logger,
    remaining: () => 5000,
    active: () => seen.active++,
    journal: (batch) => seen.journaled.push(batch),
    readings: () => seen.events.push('readings'),
    failed: (failure) => seen.failures.push(failure.kind),
    broke: (error) => seen.events.push(`broke: ${error.message}`),
    running: () => seen.running,
    outgrew: (batch) => seen.events.push(['outgrew', batch]),
    idle: () => seen.events.push('idle'),
    kick: () => seen.events.push('kick'),
    checkIdle: () => seen.events.push('checkIdle'),
  };
  return { sandbox, host, seen, release: () => pool.discard(sandbox) };
}

async function until(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const program = (code) => transpile(code).script;

test('on the event loop: a turn runs to its end here, its posts are handed over, and its answer enters as the next turn', async () => {
  const { sandbox, host, seen, release } = await hostWithSandbox();
  try {
    const turns = new EventLoopTurns({ slowMs: 1000, slowTotalMs: 1000, budgetMs: 1000 }, host);
    turns.start(sandbox, SETUP, program('const r = await api.demo.add({ a: 1, b: 2 }); return r.sum;'));
    assert.deepEqual(seen.posts, [['call', 1, 'api', 'demo.add', '{"a":1,"b":2}']], 'posted during the turn, handed over when it ended');
    assert.equal(turns.posted, 1);
    assert.deepEqual(seen.events, ['checkIdle']);
    turns.deliver(sandbox, [[1, OK, '{"sum":3}']]);
    assert.deepEqual(seen.posts.at(-1), ['done', '3']);
    assert.deepEqual(seen.journaled, [[[1, OK, '{"sum":3}']]], 'a whole turn is journaled');
    assert.equal(seen.active, 2);
    assert.equal(turns.enabled, true);
  } finally {
    release();
  }
});

test('on the event loop: a turn past its budget is stopped and handed back; slow turns move later ones off the loop', async () => {
  const { sandbox, host, seen, release } = await hostWithSandbox();
  try {
    const turns = new EventLoopTurns({ slowMs: 1, slowTotalMs: 1000, budgetMs: 20 }, host);
    turns.start(sandbox, SETUP, program('while (true) {}'));
    assert.deepEqual(seen.events, [['outgrew', null]], 'the first turn outgrew its budget');
    assert.deepEqual(seen.journaled, []);
  } finally {
    release();
  }
  const slow = await hostWithSandbox();
  try {
    const turns = new EventLoopTurns({ slowMs: 1, slowTotalMs: 5, budgetMs: 1000 }, slow.host);
    turns.start(slow.sandbox, SETUP, program('const end = Date.now() + 30; while (Date.now() < end) {} return 1;'));
    assert.equal(turns.enabled, false, 'a turn of 30 ms is past the slow total: later turns go to the threads');
    assert.deepEqual(slow.seen.posts.at(-1), ['done', '1']);
  } finally {
    slow.release();
  }
});

test('on the threads: the first turn is awaited, deliveries are sent without waiting until a snapshot covers them', async () => {
  const { sandbox, host, seen, release } = await hostWithSandbox();
  try {
    const turns = new ThreadTurns(host);
    turns.start(sandbox, SETUP, program('const r = await api.demo.add({ a: 2, b: 2 }); return r.sum;'));
    assert.equal(turns.awaited, 1);
    await until(() => turns.awaited === 0, 'the first turn to end');
    assert.deepEqual(seen.events, ['idle', 'kick', 'checkIdle']);
    await until(() => seen.posts.length === 1, 'the call to arrive');
    turns.deliver(sandbox, [[1, OK, '{"sum":4}']]);
    assert.equal(turns.unprobed, 1);
    assert.equal(seen.journaled.length, 1);
    const snapshot = await sandbox.snapshot();
    turns.covered(1);
    assert.equal(turns.unprobed, 0);
    assert.equal(snapshot.issued, 1);
    assert.deepEqual(seen.posts.at(-1), ['done', '4']);
    turns.replay(sandbox, [[9, OK, '1']]);
    assert.equal(seen.journaled.length, 1, 'a replayed turn is not journaled again');
    assert.equal(seen.active, 2, 'nor counted as a live event');
  } finally {
    release();
  }
});

test('giving the sandbox back: an idle one answers with its heap at once; one still running answers without it, and is freed', async () => {
  const released = [];
  const source = { reusesIsolates: false, release: (sandbox, heap, retire) => released.push({ heap, retire }) };

  const idle = await pool.take(MEMORY);
  idle.startSync(SETUP, program('return 1;'), 1000);
  let answered;
  giveBack({ sandbox: idle, sandboxes: source, unprobed: 0, awaited: 0, whenIdle: () => {}, answer: (heap) => (answered = heap) });
  assert.ok(answered > 0, 'the heap of an idle isolate is read at once');
  assert.deepEqual(released, [{ heap: answered, retire: undefined }]);
  pool.discard(idle);

  const busy = await pool.take(MEMORY);
  const running = busy.start(SETUP, program('const end = Date.now() + 300; while (Date.now() < end) {} return 1;'), 2000);
  let late = 'not yet';
  let idleHook;
  giveBack({ sandbox: busy, sandboxes: source, retire: 'timeout', unprobed: 0, awaited: 1, whenIdle: (fn) => (idleHook = fn), answer: (heap) => (late = heap) });
  assert.equal(typeof idleHook, 'function', 'it waits for the awaited turn to end');
  await until(() => late !== 'not yet', 'the answer past the guard');
  assert.equal(late, undefined, 'no heap from an isolate still running');
  assert.deepEqual(released.at(-1), { heap: undefined, retire: 'timeout' }, 'freed at once: it is retired anyway');
  assert.equal(idleHook, undefined, 'nothing waits for it any more');
  await running;
  pool.discard(busy);
});
