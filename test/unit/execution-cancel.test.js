// Cancel: a client ends its own execution, running (its host calls aborted) or paused (live here, or only in
// the state store); another client cannot; a resume afterwards is refused saying it was cancelled.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import { CancelConflictError, ExecutionCancelledError, ExecutionNotFoundError } from '../../dist/execution/index.js';
import { demoTool, makeExecutor, request } from './execution-harness.js';
import { until } from '../e2e/mcp-helpers.js';

const closers = [];
after(() => Promise.all(closers.map((close) => close())));

/** A tool that waits until its call is aborted, and records that it was. */
function hangingTool(seen) {
  return demoTool('hang', (input, ctx) => new Promise((resolve, reject) => {
    seen.started++;
    ctx.signal.addEventListener('abort', () => {
      seen.aborted++;
      reject(new Error('aborted'));
    }, { once: true });
  }));
}

function executorOn(stateStore = new Keyv(), seen = { started: 0, aborted: 0 }) {
  const made = makeExecutor({ stateStore, extraTools: [hangingTool(seen)] });
  closers.push(() => made.executor.close());
  return { ...made, seen };
}

/** Starts `code` and resolves with its id once it runs, and the promise of its result. */
async function started(executor, code, overrides = {}) {
  let id;
  const result = executor.execute(request(code, { ...overrides, onStart: (executionId) => (id = executionId) }));
  await until(() => id, 'the execution to start');
  return { id, result };
}

test('a running execution is cancelled: its call in flight is aborted and its result says cancelled by the client', async () => {
  const { executor, seen } = executorOn();
  const { id, result } = await started(executor, `await api.demo.hang({}); return 'not reached';`);
  await until(() => seen.started === 1, 'the host call to start');
  const answer = await executor.cancel(id, 'client-a');
  assert.equal(answer.status, 'cancelled');
  assert.equal(answer.error.code, 'EXECUTION_CANCELLED');
  assert.match(answer.error.message, /cancelled by its client/);
  assert.equal(seen.aborted, 1, 'the host call heard the abort');
  const final = await result;
  assert.equal(final.status, 'cancelled');
  assert.equal(final.executionId, id);
  await assert.rejects(executor.resume(id, 'client-a', { result: 1 }), ExecutionCancelledError);
});

test('another client cannot cancel an execution, running or paused: it looks unknown, and goes on', async () => {
  const { executor, seen } = executorOn();
  const { id, result } = await started(executor, `await api.demo.hang({}); return 1;`);
  await until(() => seen.started === 1, 'the host call to start');
  await assert.rejects(executor.cancel(id, 'client-b'), ExecutionNotFoundError);
  assert.equal(seen.aborted, 0);
  await executor.cancel(id, 'client-a');
  await result;

  const paused = await executor.execute(request(`return await atp.llm.call({ prompt: 'p' });`));
  assert.equal(paused.status, 'paused');
  await assert.rejects(executor.cancel(paused.executionId, 'client-b'), ExecutionNotFoundError);
  const resumed = await executor.resume(paused.executionId, 'client-a', { result: 'answer' });
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.result, 'answer');
  await assert.rejects(executor.cancel(paused.executionId, 'client-a'), ExecutionNotFoundError, 'a finished execution cannot be cancelled');
  await assert.rejects(executor.cancel('exe_not-an-id', 'client-a'), ExecutionNotFoundError);
});

test('a paused execution held live is cancelled; its resume is refused as cancelled, its state is gone from the store', async () => {
  const stateStore = new Keyv();
  const { executor } = executorOn(stateStore);
  const paused = await executor.execute(request(`const a = await atp.llm.call({ prompt: 'p' }); return a;`));
  assert.equal(paused.status, 'paused');
  assert.equal(executor.stats().livePaused, 1);
  const answer = await executor.cancel(paused.executionId, 'client-a');
  assert.equal(answer.status, 'cancelled');
  assert.equal(answer.executionId, paused.executionId);
  assert.equal(executor.stats().livePaused, 0);
  await until(async () => (await stateStore.get(`atp:exec:${paused.executionId}`)) === undefined, 'the pause to leave the store');
  await assert.rejects(executor.resume(paused.executionId, 'client-a', { result: 'late' }), (error) => {
    assert.ok(error instanceof ExecutionCancelledError);
    assert.equal(error.status, 409);
    assert.match(error.message, /was cancelled by its client at .* cannot be resumed; run the code again/);
    return true;
  });
  await assert.rejects(executor.resume(paused.executionId, 'client-b', { result: 'late' }), ExecutionNotFoundError, 'nothing told to another client');
});

test('a paused execution is cancelled through another instance sharing the store; the holder then refuses its resume', async () => {
  const stateStore = new Keyv();
  const a = executorOn(stateStore);
  const b = executorOn(stateStore);
  const paused = await a.executor.execute(request(`return await atp.approval.request('go?');`));
  assert.equal(paused.status, 'paused');
  const answer = await b.executor.cancel(paused.executionId, 'client-a');
  assert.equal(answer.status, 'cancelled');
  assert.equal(answer.stats.approvalCallsCount, 1, 'the stats come from the pause');
  await assert.rejects(a.executor.resume(paused.executionId, 'client-a', { result: { approved: true } }), ExecutionCancelledError);
  assert.equal(a.executor.stats().livePaused, 0, 'the stale live copy was dropped');
});

test('cancelling while it waits for its pause to be written leaves nothing to resume', async () => {
  const stateStore = new Keyv();
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const slowSet = stateStore.set.bind(stateStore);
  let waiting = 0;
  stateStore.set = async (key, ...rest) => {
    if (/^atp:exec:exe_[^:]+$/.test(key)) {
      waiting++;
      await gate;
    }
    return slowSet(key, ...rest);
  };
  const { executor } = executorOn(stateStore);
  const { id, result } = await started(executor, `return await atp.llm.call({ prompt: 'p' });`);
  await until(() => waiting === 1, 'the pause header to be written');
  const cancelled = executor.cancel(id, 'client-a');
  const answer = await result;
  assert.equal(answer.status, 'cancelled');
  release();
  assert.equal((await cancelled).status, 'cancelled');
  await until(async () => (await stateStore.get(`atp:exec:${id}`)) === undefined, 'the late header to be removed');
  await assert.rejects(executor.resume(id, 'client-a', { result: 'x' }), ExecutionCancelledError);
});

test('the errors carry their HTTP meaning', () => {
  assert.deepEqual([new ExecutionNotFoundError().status, new ExecutionCancelledError(0).status, new CancelConflictError().status], [404, 409, 409]);
  assert.equal(new ExecutionNotFoundError().expose, true);
});
