import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callWithTimeout, ToolTimeoutError } from '../../dist/catalog/timeout.js';

const ctx = (controller = new AbortController()) => ({ signal: controller.signal });

test('a handler that listens to its signal hears the timeout before the caller sees the rejection', async () => {
  const order = [];
  let seen;
  const call = callWithTimeout('api.t.listen', 20, ctx(), ({ signal }) => new Promise(() => {
    signal.addEventListener('abort', () => { order.push('handler'); seen = signal.reason; });
  }));
  await assert.rejects(call.finally(() => order.push('caller')), (error) => error instanceof ToolTimeoutError && error.code === 'TIMEOUT_ERROR' && /api\.t\.listen did not finish within 20 ms/.test(error.message));
  assert.deepEqual(order, ['handler', 'caller']);
  assert.ok(seen instanceof ToolTimeoutError);
});

test('a handler that never reads its signal still times out, and one that reads it late finds it aborted', async () => {
  let late;
  let release;
  const call = callWithTimeout('api.t.ignore', 20, ctx(), (scope) => new Promise((resolve) => { release = () => { late = scope.signal; resolve('late'); }; }));
  await assert.rejects(call, ToolTimeoutError);
  release();
  assert.equal(late.aborted, true);
  assert.ok(late.reason instanceof ToolTimeoutError);
});

test('the caller aborting cancels the handler and rejects with the caller\'s reason', async () => {
  const controller = new AbortController();
  let signal;
  const call = callWithTimeout('api.t.cancel', 30_000, ctx(controller), (scope) => { signal = scope.signal; return new Promise(() => {}); });
  const reason = new Error('execution ended');
  controller.abort(reason);
  await assert.rejects(call, (error) => error === reason);
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, reason);
});

test('results, thrown errors and an already aborted caller pass through unchanged', async () => {
  assert.equal(await callWithTimeout('api.t.ok', 30_000, ctx(), () => 42), 42);
  assert.deepEqual(await callWithTimeout('api.t.async', 30_000, ctx(), async () => ({ a: 1 })), { a: 1 });
  const thrown = new Error('bad input');
  await assert.rejects(callWithTimeout('api.t.throw', 30_000, ctx(), () => { throw thrown; }), (error) => error === thrown);
  await assert.rejects(callWithTimeout('api.t.reject', 30_000, ctx(), () => Promise.reject(thrown)), (error) => error === thrown);
  const controller = new AbortController();
  controller.abort(new Error('gone'));
  let ran = false;
  await assert.rejects(callWithTimeout('api.t.gone', 30_000, ctx(controller), () => { ran = true; }), /gone/);
  assert.equal(ran, false);
});

test('a finished call leaves no listener behind on the caller\'s signal and its signal stays unaborted', async () => {
  const controller = new AbortController();
  let signal;
  await callWithTimeout('api.t.done', 30_000, ctx(controller), (scope) => { signal = scope.signal; return 'x'; });
  controller.abort(new Error('later'));
  assert.equal(signal.aborted, false);
});
