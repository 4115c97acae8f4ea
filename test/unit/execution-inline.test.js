// Results of host calls enter the sandbox on the event loop (no thread hop) while the turns they start are
// short. When turns slower than `slowMs` (1 ms) keep coming (past `slowTotalMs`, decaying), the later turns
// go to isolated-vm's threads; a turn that would run past `budgetMs` (10 ms) is stopped, and the program is rebuilt in a fresh isolate by
// replaying its journal, then runs on isolated-vm's threads: no call is made twice, clock and randomness
// read before the move are the same after it, and the event loop is not held for the long turn.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import { demoState, demoTool, makeExecutor, request } from './execution-harness.js';
import { until } from '../e2e/mcp-helpers.js';

const closers = [];
after(() => Promise.all(closers.map((close) => close())));

function executor(options = {}) {
  const made = makeExecutor(options);
  closers.push(() => made.executor.close());
  return made;
}

// a loop that takes far longer than the inline budget (a hundred milliseconds or more, on any machine)
// Tests of the rebuild never count a turn as slow, so that a busy machine cannot send the program off the
// event loop before its long turn.
const REBUILD = { slowMs: 60_000, slowTotalMs: 60_000, budgetMs: 10 };
const LONG_LOOP = 'let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i) % 1000003;';

test('a long turn after some calls moves off the event loop; no call runs twice; clock and randomness agree', async () => {
  const logLines = [];
  const { executor: ex, state } = executor({ logLines, inlineTurns: REBUILD });
  const result = await ex.execute(request(`
    const a = await api.demo.counter({ tag: 'a' });
    const t0 = Date.now();
    const r = Math.random();
    const b = await api.demo.counter({ tag: 'b', t0, r });
    ${LONG_LOOP}
    const c = await api.demo.counter({ tag: 'c' });
    return { counts: [a.count, b.count, c.count], x, same: b.count === 2 && t0 > 0 && r >= 0 && r < 1 };`));
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result.counts, [1, 2, 3]);
  assert.equal(result.result.same, true);
  assert.equal(state.counter, 3);
  assert.deepEqual(state.calls.map((call) => call.tag), ['a', 'b', 'c']);
  assert.equal(logLines.filter((line) => /rebuilt off the event loop/.test(line.msg ?? line.message)).length, 1, JSON.stringify(logLines));
});

test('a long first turn moves off the event loop too; a call it started before is made once', async () => {
  const logLines = [];
  const { executor: ex, state } = executor({ logLines, inlineTurns: REBUILD });
  const result = await ex.execute(request(`
    const pending = api.demo.counter({ tag: 'early' });
    ${LONG_LOOP}
    const early = await pending;
    const late = await api.demo.counter({ tag: 'late' });
    return { counts: [early.count, late.count], x };`));
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result.counts, [1, 2]);
  assert.deepEqual(state.calls.map((call) => call.tag), ['early', 'late']);
  assert.equal(logLines.filter((line) => /rebuilt off the event loop/.test(line.msg ?? line.message)).length, 1, JSON.stringify(logLines));
});

test('a first turn longer than the whole timeout ends as timeout, with the line of the loop', async () => {
  const { executor: ex } = executor({ inlineTurns: REBUILD });
  const result = await ex.execute(request('while (true) {}', { limits: { timeout: 5, memory: 64 * 1024 * 1024, llmCalls: 1 } }));
  assert.equal(result.status, 'timeout', JSON.stringify(result));
});

test('slow turns within the budget send later turns off the event loop, with no rebuild', async () => {
  const logLines = [];
  // every turn counts as slow, the first is already too much; none reaches the budget
  const { executor: ex, state } = executor({ logLines, inlineTurns: { slowMs: 0, slowTotalMs: 0, budgetMs: 60_000 } });
  const result = await ex.execute(request(`
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push((await api.demo.counter({ tag: 't' + i })).count);
    return seen;`));
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, [1, 2, 3, 4, 5]);
  assert.equal(state.counter, 5);
  const texts = logLines.map((line) => line.msg ?? line.message);
  assert.equal(texts.filter((text) => /later turns of this execution run off the event loop/.test(text)).length, 1, JSON.stringify(texts));
  assert.equal(texts.filter((text) => /rebuilt/.test(text)).length, 0);
});

test('the event loop is not held while a moved program computes: another execution finishes first', async () => {
  const { executor: ex, state } = executor();
  const long = ex.execute(request(`
    await api.demo.counter({ tag: 'first' });
    let x = 0; for (let i = 0; i < 4e8; i++) x = (x + i) % 1000003;
    return 'long';`, { limits: { timeout: 60_000, memory: 64 * 1024 * 1024, llmCalls: 1 } }));
  const order = [];
  void long.then(() => order.push('long'));
  await until(() => state.counter === 1, 'the long program\'s first call'); // it computes from then on
  const short = await ex.execute(request('return await api.demo.add({ a: 2, b: 3 })'));
  order.push('short');
  assert.deepEqual(short.result, { sum: 5 });
  const done = await long;
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.deepEqual(order, ['short', 'long']);
});

test('a call in flight while the program moves is answered once, after the rebuild', async () => {
  const state = demoState();
  let slowRuns = 0;
  const slow = demoTool('slow', async () => {
    slowRuns++;
    await new Promise((resolve) => setTimeout(resolve, 150));
    return { slow: true };
  });
  const { executor: ex } = executor({ state, extraTools: [slow], inlineTurns: REBUILD });
  const result = await ex.execute(request(`
    const pending = api.demo.slow({});
    const a = await api.demo.counter({ tag: 'a' });
    ${LONG_LOOP}
    const s = await pending;
    const b = await api.demo.counter({ tag: 'b' });
    return [a.count, s.slow, b.count];`));
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, [1, true, 2]);
  assert.equal(slowRuns, 1);
  assert.equal(state.counter, 2);
});

test('a program that paused and resumed in place moves with its journal read back from the state store', async () => {
  const { executor: ex, state } = executor({ stateStore: new Keyv(), inlineTurns: REBUILD });
  const first = await ex.execute(request(`
    const a = await api.demo.counter({ tag: 'a' });
    const answer = await atp.llm.call({ prompt: 'name?' });
    const b = await api.demo.counter({ tag: answer });
    ${LONG_LOOP}
    const c = await api.demo.counter({ tag: 'c' });
    return [a.count, answer, b.count, c.count];`));
  assert.equal(first.status, 'paused');
  const result = await ex.resume(first.executionId, 'client-a', { result: 'bob' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, [1, 'bob', 2, 3]);
  assert.deepEqual(state.calls.map((call) => call.tag), ['a', 'bob', 'c']);
});

test('an endless loop after a call still ends at the execution timeout', async () => {
  const { executor: ex } = executor();
  const result = await ex.execute(request(`
    await api.demo.counter({ tag: 'a' });
    while (true) {}`, { limits: { timeout: 1500, memory: 64 * 1024 * 1024, llmCalls: 1 } }));
  assert.equal(result.status, 'timeout');
});

test('an endless loop of calls the host answers at once still ends at the timeout, and the event loop keeps turning', async () => {
  // each answer is ready within the same pass of the event loop; turns and posts then chain on this thread
  // without a pass of the loop in between, unless the execution yields now and then
  const { executor: ex } = executor();
  let running = true;
  let heardWhileRunning = false;
  // due long before the execution's end: a loop held by the chain of turns would hear it only afterwards
  const timer = setTimeout(() => (heardWhileRunning = running), 100);
  try {
    const result = await ex.execute(request('let n = 0; while (true) n += (await api.demo.add({ a: 1, b: 1 })).sum;', { limits: { timeout: 1000, memory: 64 * 1024 * 1024, llmCalls: 1 } }));
    running = false;
    assert.equal(result.status, 'timeout');
    assert.equal(heardWhileRunning, true, 'a timer of this thread fired while the execution ran');
  } finally {
    clearTimeout(timer);
  }
});

test('a memory bomb in a turn on the event loop ends as memory_exceeded, and the next execution runs', async () => {
  const { executor: ex } = executor({ inlineTurns: { slowMs: 60_000, slowTotalMs: 60_000, budgetMs: 60_000 } });
  const result = await ex.execute(request(`
    await api.demo.counter({ tag: 'a' });
    const keep = [];
    while (true) keep.push('x'.repeat(1 << 20) + keep.length);`, { limits: { timeout: 20_000, memory: 16 * 1024 * 1024, llmCalls: 1 } }));
  assert.equal(result.status, 'memory_exceeded', JSON.stringify(result.error));
  const next = await ex.execute(request('return await api.demo.add({ a: 1, b: 1 })'));
  assert.deepEqual(next.result, { sum: 2 });
});
