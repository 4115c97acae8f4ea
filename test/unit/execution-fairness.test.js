// Admission between clients in the real Executor: a client past its share gets rate_limited saying so, while
// another client still runs; a resume waits under its client like a new execution.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoTool, makeExecutor, request } from './execution-harness.js';

/** A tool that answers only once the test opens the gate; `entered` counts calls that reached it. */
function gateTool() {
  let open;
  const opened = new Promise((resolve) => (open = resolve));
  const gate = { entered: 0, open: () => open(), waiters: [] };
  gate.tool = demoTool('hold', async () => {
    gate.entered++;
    for (const wake of gate.waiters.splice(0)) wake();
    await opened;
    return 'held';
  });
  gate.reached = (count) => (gate.entered >= count ? Promise.resolve() : new Promise((resolve) => gate.waiters.push(() => resolve(gate.reached(count)))));
  return gate;
}

const HOLD = 'return await api.demo.hold({});';

test('a client past clientConcurrency and clientQueue is rate_limited naming its limits; another client still runs', async () => {
  const gate = gateTool();
  const { executor } = makeExecutor({
    yaml: 'execution:\n  pool: 1\n  concurrency: 2\n  queue: 8\n  clientConcurrency: 1\n  clientQueue: 1\n',
    extraTools: [gate.tool],
  });
  try {
    const running = executor.execute(request(HOLD));
    const waiting = executor.execute(request(HOLD));
    const refused = await executor.execute(request(HOLD));
    assert.equal(refused.status, 'rate_limited');
    assert.equal(refused.error.retryable, true);
    assert.equal(refused.error.message,
      'this client has 1 executions running and 1 waiting, its limit (execution.clientConcurrency 1, execution.clientQueue 1); wait for one to finish before starting another');
    await gate.reached(1);
    assert.equal(executor.stats().running, 1, 'client-a has one slot of two');
    const other = await executor.execute(request('return 42;', { clientId: 'client-b' }));
    assert.equal(other.status, 'completed', JSON.stringify(other.error));
    assert.equal(other.result, 42);
    gate.open();
    assert.deepEqual([(await running).result, (await waiting).result], ['held', 'held']);
  } finally {
    await executor.close();
  }
});

test('a resume takes a slot of its own client: refused while that client is at its cap, the pause kept for later', async () => {
  const gate = gateTool();
  const { executor } = makeExecutor({
    yaml: 'execution:\n  pool: 1\n  concurrency: 4\n  clientConcurrency: 1\n  clientQueue: 0\n',
    extraTools: [gate.tool],
  });
  try {
    const paused = await executor.execute(request('const answer = await atp.llm.call({ prompt: "p" }); return "got " + answer;'));
    assert.equal(paused.status, 'paused');
    const running = executor.execute(request(HOLD));
    await gate.reached(1);
    const refused = await executor.resume(paused.executionId, 'client-a', { result: 'yes' });
    assert.equal(refused.status, 'rate_limited');
    assert.match(refused.error.message, /^this client has 1 executions running and 0 waiting/);
    const other = await executor.execute(request('return 1;', { clientId: 'client-b' }));
    assert.equal(other.status, 'completed');
    gate.open();
    assert.equal((await running).result, 'held');
    const resumed = await executor.resume(paused.executionId, 'client-a', { result: 'yes' });
    assert.equal(resumed.status, 'completed', JSON.stringify(resumed.error));
    assert.equal(resumed.result, 'got yes');
  } finally {
    await executor.close();
  }
});

test('the server-wide limit is reported as the server\'s, not the client\'s', async () => {
  const gate = gateTool();
  const { executor } = makeExecutor({
    yaml: 'execution:\n  pool: 1\n  concurrency: 1\n  queue: 0\n',
    extraTools: [gate.tool],
  });
  try {
    const running = executor.execute(request(HOLD));
    const refused = await executor.execute(request('return 1;', { clientId: 'client-b' }));
    assert.equal(refused.status, 'rate_limited');
    assert.match(refused.error.message, /^this server is running 1 executions with 0 more waiting, its limit; retry in a moment$/);
    gate.open();
    assert.equal((await running).result, 'held');
  } finally {
    await executor.close();
  }
});
