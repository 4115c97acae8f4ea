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
