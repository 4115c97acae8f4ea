// Admission: the cap on executions in all and per client, the queue bounds, and turns between waiting clients.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from '../../dist/execution/admission.js';

const limits = (overrides = {}) => ({ concurrency: 4, queue: 16, clientConcurrency: 2, clientQueue: 8, ...overrides });

/** Acquires for `client`, recording in `order` when the slot is granted; resolves to the release function. */
function take(admission, client, label, order) {
  const slot = admission.acquire(client);
  assert.equal(typeof slot, 'object', `${label} was refused (${slot})`);
  return slot.then((release) => {
    order.push(label);
    return release;
  });
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('one client runs at most clientConcurrency at once; another client still gets a free slot at once', async () => {
  const admission = new Admission(limits());
  const order = [];
  const a = ['a1', 'a2', 'a3'].map((label) => take(admission, 'A', label, order));
  const b = take(admission, 'B', 'b1', order);
  await settle();
  assert.deepEqual(order, ['a1', 'a2', 'b1']);
  assert.equal(admission.active, 3);
  assert.equal(admission.queued, 1);
  assert.deepEqual(admission.usage('A'), { running: 2, queued: 1 });
  assert.deepEqual(admission.usage('B'), { running: 1, queued: 0 });
  (await a[0])();
  await settle();
  assert.deepEqual(order, ['a1', 'a2', 'b1', 'a3']);
  for (const release of [await a[1], await a[2], await b]) release();
  assert.equal(admission.active, 0);
  assert.deepEqual(admission.usage('A'), { running: 0, queued: 0 });
});

test('freed slots go to the waiting clients in turn, in arrival order within each client', async () => {
  const admission = new Admission(limits({ concurrency: 1, clientConcurrency: 1 }));
  const order = [];
  const slots = new Map();
  const queue = (client, label) => slots.set(label, take(admission, client, label, order));
  queue('A', 'a1');
  for (const label of ['a2', 'a3', 'a4']) queue('A', label);
  for (const label of ['b1', 'b2']) queue('B', label);
  queue('C', 'c1');
  await settle();
  assert.equal(admission.queued, 6);
  for (;;) {
    const before = order.length;
    const waiting = admission.queued;
    (await slots.get(order.at(-1)))();
    // the slot passes straight to the next in turn, synchronously
    assert.equal(admission.active, waiting > 0 ? 1 : 0);
    // a newcomer arriving right after a release waits its turn behind the clients already in the rotation
    if (before === 1) queue('D', 'd1');
    await settle();
    if (order.length === before) break;
  }
  // first come first served would have been a2 a3 a4 b1 b2 c1 d1
  assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'd1', 'b2', 'a3', 'a4']);
  assert.equal(admission.active, 0);
  assert.equal(admission.queued, 0);
});

test('past clientQueue a client is refused as the client at its limit; past queue any client is refused as the server', async () => {
  const admission = new Admission(limits({ concurrency: 2, queue: 3, clientConcurrency: 1, clientQueue: 2 }));
  const order = [];
  const a = [take(admission, 'A', 'a1', order), take(admission, 'A', 'a2', order), take(admission, 'A', 'a3', order)];
  assert.equal(admission.acquire('A'), 'client');
  assert.deepEqual(admission.usage('A'), { running: 1, queued: 2 });
  const b = [take(admission, 'B', 'b1', order), take(admission, 'B', 'b2', order)];
  // the server's queue (3) is full now: A's 2 and B's 1
  assert.equal(admission.queued, 3);
  assert.equal(admission.acquire('C'), 'server');
  assert.deepEqual(admission.usage('C'), { running: 0, queued: 0 });
  await settle();
  assert.deepEqual(order, ['a1', 'b1']);
  (await a[0])();
  await settle();
  // B waited first, but b1 runs: B is at its cap, so the slot goes back to A
  assert.deepEqual(order, ['a1', 'b1', 'a2']);
  assert.equal(typeof admission.acquire('C'), 'object', 'a place in the queue is free again');
});

test('with clientQueue 0 a client at its cap is refused at once, and a client finding the server full is told so', async () => {
  const admission = new Admission(limits({ concurrency: 2, queue: 4, clientConcurrency: 1, clientQueue: 0 }));
  const a = await admission.acquire('A');
  assert.equal(admission.acquire('A'), 'client');
  const b = await admission.acquire('B');
  assert.equal(admission.acquire('C'), 'server');
  a();
  a(); // a second call of a release is a no-op
  assert.equal(admission.active, 1);
  assert.equal(typeof admission.acquire('C'), 'object');
  b();
});
