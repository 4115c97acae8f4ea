import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConcurrencyLimit } from '../../dist/catalog/limit.js';

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

test('never runs more than max at once, and starts waiters in call order', async () => {
  const limit = new ConcurrencyLimit(3);
  let running = 0;
  let peak = 0;
  const started = [];
  const gates = Array.from({ length: 10 }, deferred);
  const calls = gates.map((gate, i) => limit.run(async () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    await gate.promise;
    running--;
    return i;
  }));
  assert.equal(limit.inFlight, 3);
  assert.equal(limit.queued, 7);
  for (const gate of gates) {
    gate.resolve();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(calls), [...Array(10).keys()]);
  assert.equal(peak, 3);
  assert.deepEqual(started, [...Array(10).keys()]);
  assert.equal(limit.inFlight, 0);
});

test('a waiter whose signal aborts leaves the queue without taking a slot', async () => {
  const limit = new ConcurrencyLimit(1);
  const gate = deferred();
  const first = limit.run(() => gate.promise);
  const controller = new AbortController();
  const second = limit.run(async () => 'never', controller.signal);
  let thirdRan = false;
  const third = limit.run(async () => (thirdRan = true));
  controller.abort(new Error('execution ended'));
  await assert.rejects(second, /execution ended/);
  assert.equal(limit.queued, 1);
  gate.resolve('first');
  assert.equal(await first, 'first');
  assert.equal(await third, true);
  assert.equal(thirdRan, true);
  assert.equal(limit.inFlight, 0);
});

test('a failing call frees its slot', async () => {
  const limit = new ConcurrencyLimit(1);
  await assert.rejects(limit.run(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(await limit.run(async () => 'next'), 'next');
  assert.equal(limit.inFlight, 0);
});

test('rejects a cap that is not a positive integer', () => {
  assert.throws(() => new ConcurrencyLimit(0), /positive integer/);
});

/** Starts a call of `client` that runs until its gate opens; `started` records the order calls got a slot. */
function gated(limit, client, label, started, signal) {
  const gate = deferred();
  const done = limit.run(async () => {
    started.push(label);
    await gate.promise;
    return label;
  }, signal, client);
  return { open: () => gate.resolve(), done };
}

test('one client holds at most clientMax slots even alone; another client starts at once', async () => {
  const limit = new ConcurrencyLimit(4, 3);
  const started = [];
  const a = Array.from({ length: 10 }, (_, i) => gated(limit, 'A', `a${i}`, started));
  assert.equal(limit.inFlight, 3);
  assert.equal(limit.queued, 7);
  const b = gated(limit, 'B', 'b0', started);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['a0', 'a1', 'a2', 'b0']);
  b.open();
  assert.equal(await b.done, 'b0');
  // B gone, A still may not take the fourth slot
  assert.equal(limit.inFlight, 3);
  for (const call of a) {
    call.open();
    await call.done;
  }
  assert.deepEqual(started, ['a0', 'a1', 'a2', 'b0', ...Array.from({ length: 7 }, (_, i) => `a${i + 3}`)]);
  assert.equal(limit.inFlight, 0);
  assert.equal(limit.queued, 0);
});

test('freed slots go to the waiting clients in turn, in call order within each client', async () => {
  const limit = new ConcurrencyLimit(2, 1);
  const started = [];
  const calls = new Map();
  const add = (client, label) => calls.set(label, gated(limit, client, label, started));
  add('A', 'a1');
  add('B', 'b1');
  for (const label of ['a2', 'a3', 'a4']) add('A', label);
  for (const label of ['b2', 'b3']) add('B', label);
  add('C', 'c1');
  add('C', 'c2');
  assert.equal(limit.queued, 7);
  // finish calls one at a time, always the oldest running one
  for (let next = 0; next < calls.size; next++) {
    await new Promise((r) => setImmediate(r));
    const call = calls.get(started[next]);
    call.open();
    await call.done;
  }
  // first come first served would have run a2 a3 a4 before b2
  assert.deepEqual(started, ['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'a4']);
  assert.equal(limit.inFlight, 0);
});

test('a waiter that aborts leaves its client\'s turn; the next waiting client gets the slot', async () => {
  const limit = new ConcurrencyLimit(1, 1);
  const started = [];
  const first = gated(limit, 'A', 'a1', started);
  const controller = new AbortController();
  const b = gated(limit, 'B', 'b1', started, controller.signal);
  const c = gated(limit, 'C', 'c1', started);
  controller.abort(new Error('execution ended'));
  await assert.rejects(b.done, /execution ended/);
  assert.equal(limit.queued, 1);
  first.open();
  await first.done;
  c.open();
  assert.equal(await c.done, 'c1');
  assert.deepEqual(started, ['a1', 'c1']);
  assert.equal(limit.inFlight, 0);
  assert.equal(limit.queued, 0);
});

test('clientMax above max is max, and must be a positive integer', () => {
  assert.equal(new ConcurrencyLimit(4, 9).clientMax, 4);
  assert.equal(new ConcurrencyLimit(4).clientMax, 4);
  assert.throws(() => new ConcurrencyLimit(4, 0), /per-client concurrency cap must be a positive integer/);
});
