// Pause and resume: in place on the instance holding the isolate, by deterministic replay on another instance
// sharing the state store, batches, __error answers, single use, ownership, expiry.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import { loadGroup } from '../../dist/catalog/index.js';
import { ExecutionNotFoundError, ResumeConflictError, ResumeInputError } from '../../dist/execution/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { demoState, demoTool, makeExecutor, request } from './execution-harness.js';
import { until } from '../e2e/mcp-helpers.js';

const MODULES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/modules');

const closers = [];
after(() => Promise.all(closers.map((close) => close())));

function executorOn(stateStore, options = {}) {
  const made = makeExecutor({ stateStore, ...options });
  closers.push(() => made.executor.close());
  return made;
}

/** Answers every pause with `answer(callback)` until the execution ends; returns the final result and the pauses seen. */
async function drive(executor, first, answer, clientId = 'client-a') {
  let result = first;
  const pauses = [];
  while (result.status === 'paused') {
    pauses.push(result);
    const body = result.needsCallbacks
      ? { results: result.needsCallbacks.map((callback) => ({ id: callback.id, result: answer(callback) })) }
      : { result: answer(result.needsCallback) };
    result = await executor.resume(result.executionId, clientId, body);
  }
  return { result, pauses };
}

const llmEcho = (callback) => `FAKE:${callback.payload.prompt}`;

test('a chain of LLM pauses resumes in place, tool calls before them run once', async () => {
  const { executor, state } = executorOn(new Keyv());
  const first = await executor.execute(request(`
    const before = await api.demo.counter({ tag: 'before' });
    let s = '';
    for (let i = 0; i < 3; i++) s += (await atp.llm.call({ prompt: 'p' + i })) + ';';
    const after = await api.demo.counter({ tag: 'after' });
    return { before: before.count, s, after: after.count };`));
  assert.equal(first.status, 'paused');
  assert.deepEqual(first.needsCallback, { type: 'llm', operation: 'call', payload: { prompt: 'p0', options: { prompt: 'p0' } } });
  const { result, pauses } = await drive(executor, first, llmEcho);
  assert.equal(pauses.length, 3);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { before: 1, s: 'FAKE:p0;FAKE:p1;FAKE:p2;', after: 2 });
  assert.equal(state.counter, 2);
  assert.equal(result.stats.llmCallsCount, 3);
});

test('callbacks started together come as one batch, answered by id in any order', async () => {
  const { executor } = executorOn(new Keyv());
  const first = await executor.execute(request(`
    const [x, y, sum] = await Promise.all([atp.llm.call({ prompt: 'a' }), atp.llm.call({ prompt: 'b' }), api.demo.add({ a: 1, b: 2 })]);
    return [x, y, sum.sum];`));
  assert.equal(first.status, 'paused');
  assert.equal(first.needsCallbacks.length, 2);
  assert.equal(new Set(first.needsCallbacks.map((c) => c.id)).size, 2);
  const reversed = first.needsCallbacks.map((c) => ({ id: c.id, result: `R:${c.payload.prompt}` })).reverse();
  const result = await executor.resume(first.executionId, 'client-a', { results: reversed });
  assert.deepEqual(result.result, ['R:a', 'R:b', 3]);
});

test('an __error answer throws at the awaiting call, and the code can catch it', async () => {
  const { executor } = executorOn(new Keyv());
  const first = await executor.execute(request(`
    try { await api.fs.readFile({ path: '/nope' }); return 'no error'; }
    catch (e) { return 'caught ' + e.message; }`, { clientTools: [{ name: 'readFile', namespace: 'fs', description: 'read', inputSchema: { type: 'object' } }] }));
  assert.deepEqual(first.needsCallback, { type: 'tool', operation: 'call', payload: { toolName: 'readFile', namespace: 'fs', input: { path: '/nope' } } });
  const result = await executor.resume(first.executionId, 'client-a', { result: { __error: true, message: 'ENOENT: /nope' } });
  assert.deepEqual([result.status, result.result], ['completed', 'caught ENOENT: /nope']);
  const llm = await executor.execute(request('return await atp.llm.call("x");'));
  const failed = await executor.resume(llm.executionId, 'client-a', { result: { __error: true, message: 'llm service not provided by client' } });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error.message, 'llm service not provided by client');
});

test('each pause accepts one answer; other clients and unknown ids get not-found; bad answers consume nothing', async () => {
  const { executor } = executorOn(new Keyv());
  const first = await executor.execute(request('const a = await atp.llm.call("one"); const b = await atp.llm.call("two"); return [a, b];'));
  await assert.rejects(executor.resume(first.executionId, 'client-b', { result: 'stolen' }), ExecutionNotFoundError);
  await assert.rejects(executor.resume('exe_' + 'x'.repeat(24), 'client-a', { result: 1 }), ExecutionNotFoundError);
  await assert.rejects(executor.resume('../../etc', 'client-a', { result: 1 }), ExecutionNotFoundError);
  await assert.rejects(executor.resume(first.executionId, 'client-a', { results: [{ id: 'cb_999', result: 1 }] }), ResumeInputError);
  await assert.rejects(executor.resume(first.executionId, 'client-a', {}), ResumeInputError);
  const [one, two] = await Promise.allSettled([
    executor.resume(first.executionId, 'client-a', { result: 'A' }),
    executor.resume(first.executionId, 'client-a', { result: 'B' }),
  ]);
  assert.equal(one.status, 'fulfilled');
  assert.equal(one.value.status, 'paused');
  assert.ok(two.reason instanceof ResumeConflictError, String(two.reason));
  const done = await executor.resume(first.executionId, 'client-a', { result: 'C' });
  assert.deepEqual(done.result, ['A', 'C']);
  await assert.rejects(executor.resume(first.executionId, 'client-a', { result: 'late' }), ExecutionNotFoundError);
});

test('time paused waiting for the client does not count toward the timeout', async () => {
  const { executor } = executorOn(new Keyv());
  const first = await executor.execute(request('const a = await atp.llm.call("x"); return a;', { limits: { timeout: 1000, memory: 32e6, llmCalls: 5 } }));
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the client thinks longer than the whole timeout
  const result = await executor.resume(first.executionId, 'client-a', { result: 'late but fine' });
  assert.deepEqual([result.status, result.result], ['completed', 'late but fine']);
});

test('a pause expires after maxPauseDuration, live or spilled', async () => {
  for (const max of [64, 0]) {
    const { executor } = executorOn(new Keyv(), { yaml: `state:\n  maxPauseDuration: 150ms\n  live:\n    max: ${max}\n` });
    const first = await executor.execute(request('return await atp.llm.call("x");'));
    const pausedAt = Date.now();
    assert.equal(first.status, 'paused');
    assert.equal(executor.stats().livePaused, max === 0 ? 0 : 1);
    // expiry is the feature under test: wait until the pause is older than maxPauseDuration
    await until(() => Date.now() - pausedAt > 200 && executor.stats().livePaused === 0, 'the pause to expire');
    await assert.rejects(executor.resume(first.executionId, 'client-a', { result: 'x' }), ExecutionNotFoundError);
  }
});

test('a spilled execution resumes by replay on the same instance, without repeating a tool call', async () => {
  const { executor, state } = executorOn(new Keyv(), { yaml: 'state:\n  live:\n    max: 0\n' });
  const first = await executor.execute(request(`
    const c = await api.demo.counter({ tag: 'once' });
    await atp.cache.set('k', { v: c.count });
    const a = await atp.llm.call('p1');
    const b = await atp.llm.call('p2:' + a);
    return { c: c.count, a, b, cached: await atp.cache.get('k') };`));
  const { result, pauses } = await drive(executor, first, llmEcho);
  assert.equal(pauses.length, 2);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { c: 1, a: 'FAKE:p1', b: 'FAKE:p2:FAKE:p1', cached: { v: 1 } });
  assert.equal(state.counter, 1);
});

test('another instance sharing the store resumes by replay: no call repeated, time and randomness identical', async () => {
  const store = new Keyv();
  const shared = demoState();
  const a = executorOn(store, { state: shared });
  const b = executorOn(store, { state: shared });
  const first = await a.executor.execute(request(`
    const t0 = Date.now(); const d0 = new Date().toISOString(); const r0 = Math.random();
    const c = await api.demo.counter({ tag: 'A' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const seen = { t0, d0, r0, t1: Date.now(), r1: Math.random(), count: c.count };
    const answer = await atp.llm.call({ prompt: JSON.stringify(seen) });
    return { seen, answer, again: (await api.demo.counter({ tag: 'B' })).count };`));
  assert.equal(first.status, 'paused');
  const seenOnA = JSON.parse(first.needsCallback.payload.prompt);
  const result = await b.executor.resume(first.executionId, 'client-a', { result: 'from B' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  // B rebuilt the state by replay: the same clock readings and random numbers as A saw, the count from A's call
  assert.deepEqual(result.result.seen, seenOnA);
  assert.equal(seenOnA.count, 1);
  assert.equal(result.result.again, 2);
  assert.equal(result.result.answer, 'from B');
  assert.equal(shared.counter, 2);
  // the pause's answer cannot be given again on A, which still holds its (now stale) isolate
  await assert.rejects(a.executor.resume(first.executionId, 'client-a', { result: 'from A' }), ExecutionNotFoundError);
});

test('a result of undefined replays as undefined, not null, on another instance', async () => {
  const store = new Keyv();
  const nothing = demoTool('nothing', async () => undefined);
  const a = executorOn(store, { extraTools: [nothing] });
  const b = executorOn(store, { extraTools: [nothing] });
  const first = await a.executor.execute(request(`
    const none = await api.demo.nothing({});
    const seen = none === undefined ? 'undefined' : String(none);
    return [seen, await atp.llm.call({ prompt: seen })];`));
  assert.equal(first.status, 'paused');
  assert.equal(first.needsCallback.payload.prompt, 'undefined');
  const result = await b.executor.resume(first.executionId, 'client-a', { result: 'ok' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, ['undefined', 'ok']);
});

test('replay keeps the order in which Promise.all results arrived (push-on-settle)', async () => {
  const store = new Keyv();
  const a = executorOn(store);
  const b = executorOn(store);
  const code = `
    const order = [];
    const track = (p, tag) => p.then(() => order.push(tag));
    await Promise.all([
      track(api.demo.sleep({ ms: 60, tag: 'slow' }), 'slow'),
      track(api.demo.sleep({ ms: 1, tag: 'fast' }), 'fast'),
      track(api.demo.sleep({ ms: 30, tag: 'mid' }), 'mid'),
    ]);
    const seen = order.join(',');
    const answer = await atp.llm.call('go');
    return { seen, answer, after: order.join(',') };`;
  const first = await a.executor.execute(request(code));
  assert.equal(first.status, 'paused');
  const result = await b.executor.resume(first.executionId, 'client-a', { result: 'ok' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(result.result.seen, 'fast,mid,slow');
  assert.equal(result.result.after, 'fast,mid,slow');
});

test('a replay that takes a different path is refused with a clear error, not guessed', async () => {
  const store = new Keyv();
  const a = executorOn(store);
  // B's catalog has one more function: the same code takes another branch there
  const b = executorOn(store, { extraTools: [demoTool('extra', async () => 'extra')] });
  const first = await a.executor.execute(request(`
    const before = typeof api.demo.extra === 'function' ? await api.demo.extra({}) : await api.demo.add({ a: 1, b: 1 });
    return [before, await atp.llm.call('x')];`));
  assert.equal(first.status, 'paused');
  const result = await b.executor.resume(first.executionId, 'client-a', { result: 'y' });
  assert.equal(result.status, 'failed');
  assert.equal(result.error.code, 'REPLAY_DIVERGED');
  assert.match(result.error.message, /call #1 was api\.demo\.add when the code first ran, and is api\.demo\.extra now/);
  await assert.rejects(b.executor.resume(first.executionId, 'client-a', { result: 'y' }), ExecutionNotFoundError);
});

test('timers pending at a pause are frozen and fire after the resume, also after a replay', async () => {
  const store = new Keyv();
  const a = executorOn(store);
  const b = executorOn(store);
  // the timer is far longer than it takes to pause, so it is still pending when the execution pauses
  const first = await a.executor.execute(request(`
    const fired = [];
    const timer = new Promise((resolve) => setTimeout(() => { fired.push('t1'); resolve(); }, 1000));
    const answer = await atp.llm.call('x');
    fired.push('answer');
    await timer;
    return { fired, answer };`));
  assert.equal(first.status, 'paused');
  const result = await b.executor.resume(first.executionId, 'client-a', { result: 'A' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { fired: ['answer', 't1'], answer: 'A' });
});

test('approval, embeddings and client tools pause with the protocol payloads', async () => {
  const { executor } = executorOn(new Keyv(), {});
  const first = await executor.execute(request(`
    const ok = await atp.approval.request('Delete everything?', { risk: 'high' });
    const ids = await atp.embedding.embed(['aaa', 'bbb']);
    const hits = await atp.embedding.search('aab', { topK: 2 });
    const time = await api.client.localTime({ tz: 'UTC' });
    return { ok, ids, hits, time };`, { clientTools: [{ name: 'localTime', description: 'time', inputSchema: { type: 'object' } }] }));
  const vectors = { aaa: [0, 3, 0], bbb: [3, 0, 0], aab: [0, 2, 1] };
  const seen = [];
  const { result } = await drive(executor, first, (callback) => {
    seen.push(`${callback.type}.${callback.operation}`);
    if (callback.type === 'approval') {
      assert.deepEqual(callback.payload, { message: 'Delete everything?', context: { risk: 'high' } });
      return { approved: true, timestamp: 1 };
    }
    if (callback.operation === 'embed') return vectors[callback.payload.text];
    if (callback.operation === 'search') return vectors[callback.payload.query];
    return { tz: callback.payload.input.tz, iso: '2026-01-01T00:00:00Z' };
  });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(seen, ['approval.request', 'embedding.embed', 'embedding.embed', 'embedding.search', 'tool.call']);
  assert.deepEqual(result.result.ok, { approved: true, timestamp: 1 });
  assert.equal(result.result.ids.length, 2);
  assert.equal(result.result.hits[0].text, 'aaa');
  assert.ok(result.result.hits[0].similarity > result.result.hits[1].similarity);
  assert.deepEqual(result.result.time, { tz: 'UTC', iso: '2026-01-01T00:00:00Z' });
  assert.equal(result.stats.approvalCallsCount, 1);
});

test('live paused isolates are bounded by count and memory; the oldest spill and still resume by replay', async () => {
  const byCount = executorOn(new Keyv(), { yaml: 'state:\n  live:\n    max: 2\n' });
  const byMemory = executorOn(new Keyv(), { yaml: 'state:\n  live:\n    memory: 1500KB\n' });
  for (const { executor, state } of [byCount, byMemory]) {
    const paused = [];
    for (let i = 0; i < 3; i++) {
      paused.push(await executor.execute(request(`const c = await api.demo.counter({ tag: ${i} }); return [c.count, await atp.llm.call('q${i}')];`)));
    }
    assert.ok(paused.every((result) => result.status === 'paused'));
    const live = executor.stats().livePaused;
    if (executor === byCount.executor) assert.equal(live, 2);
    else assert.ok(live >= 1 && live < 3 && executor.stats().livePausedMemory <= 1_500_000, `live paused: ${live}`);
    // the first one was spilled (oldest first); it resumes by replay, its counter call not repeated
    const results = [];
    for (const [i, first] of paused.entries()) results.push(await executor.resume(first.executionId, 'client-a', { result: `a${i}` }));
    assert.deepEqual(results.map((r) => r.result), [[1, 'a0'], [2, 'a1'], [3, 'a2']]);
    assert.equal(state.counter, 3);
  }
});

test('a chain of pauses longer than the journal TTL keeps its oldest segments alive', async () => {
  // journal parts live 2 x maxPauseDuration + ttl = 2.1 s; the chain below spans more than that (six waits of
  // 450 ms), and each pause is answered well within maxPauseDuration even on a loaded machine
  const { executor, state } = executorOn(new Keyv(), { yaml: 'state:\n  maxPauseDuration: 1s\n  ttl: 100ms\n  live:\n    max: 0\n' });
  let result = await executor.execute(request(`
    const c = await api.demo.counter({ tag: 'once' });
    let s = '';
    for (let i = 0; i < 6; i++) s += await atp.llm.call('p' + i);
    return [c.count, s];`));
  while (result.status === 'paused') {
    await new Promise((resolve) => setTimeout(resolve, 450)); // the client takes its time, within maxPauseDuration
    result = await executor.resume(result.executionId, 'client-a', { result: 'x' });
  }
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, [1, 'xxxxxx']);
  assert.equal(state.counter, 1);
});

test('paused executions outlive their instance: after close(), another instance resumes them', async () => {
  const store = new Keyv();
  const shared = demoState();
  const { executor: a } = makeExecutor({ stateStore: store, state: shared });
  const b = executorOn(store, { state: shared });
  const first = await a.execute(request('const c = await api.demo.counter({}); return [c.count, await atp.llm.call("q")];'));
  assert.equal(first.status, 'paused');
  await a.close(0);
  const result = await b.executor.resume(first.executionId, 'client-a', { result: 'after restart' });
  assert.deepEqual(result.result, [1, 'after restart']);
  assert.equal(shared.counter, 1);
});

test('an execution too big to replay still resumes in place, and says why it cannot elsewhere', async () => {
  const code = 'let t = 0; for (let i = 0; i < 100_001; i++) t = Date.now(); return [typeof t, await atp.llm.call("x")];';
  const live = executorOn(new Keyv());
  const inPlace = await live.executor.execute(request(code));
  assert.deepEqual((await live.executor.resume(inPlace.executionId, 'client-a', { result: 'ok' })).result, ['number', 'ok']);
  const spilled = executorOn(new Keyv(), { yaml: 'state:\n  live:\n    max: 0\n' });
  const first = await spilled.executor.execute(request(code));
  const result = await spilled.executor.resume(first.executionId, 'client-a', { result: 'ok' });
  assert.equal(result.status, 'failed');
  assert.match(result.error.message, /cannot be replayed because the code read the clock too many times/);
});

test('a finished execution leaves nothing in the state store: journal, header and every claim go', async () => {
  const map = new Map();
  const { executor } = executorOn(new Keyv({ store: map }));
  const first = await executor.execute(request(`
    let s = '';
    for (let i = 0; i < 4; i++) s += await atp.llm.call({ prompt: 'p' + i });
    return s;`));
  const { result, pauses } = await drive(executor, first, llmEcho);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(pauses.length, 4);
  // removal runs after the result is sent: wait for it
  await until(() => map.size === 0, `the store to be emptied of ${[...map.keys()].join(', ')}`);
  await assert.rejects(executor.resume(first.executionId, 'client-a', { result: 'late' }), ExecutionNotFoundError);
});

test('policies.requireApproval: a call first pauses for approval; approved it runs once, denied it throws and never runs', async () => {
  const yaml = 'policies:\n  requireApproval: [demo.counter]\n';
  const store = new Keyv();
  const { executor, state } = executorOn(store, { yaml });
  const code = `
    const free = await api.demo.add({ a: 1, b: 2 });
    let first;
    try { first = await api.demo.counter({ tag: 'one' }); } catch (error) { first = { error: error.message, code: error.code }; }
    const second = await api.demo.counter({ tag: 'two' });
    return { free: free.sum, first, second };`;
  const paused = await executor.execute(request(code));
  assert.equal(paused.status, 'paused');
  assert.deepEqual(paused.needsCallback, { type: 'approval', operation: 'request', payload: { message: 'Allow the call api.demo.counter?', context: { function: 'api.demo.counter', input: { tag: 'one' } } } });
  assert.equal(state.counter, 0, 'nothing runs before the approval');
  const denied = await executor.resume(paused.executionId, 'client-a', { result: { approved: false, response: 'not today', timestamp: 1 } });
  assert.equal(denied.status, 'paused');
  assert.deepEqual(denied.needsCallback.payload.context, { function: 'api.demo.counter', input: { tag: 'two' } });
  assert.equal(state.counter, 0);
  // the second approval is answered on another instance sharing the store: it replays, then runs the call once
  const other = executorOn(store, { yaml, state });
  const done = await other.executor.resume(paused.executionId, 'client-a', { result: { approved: true, timestamp: 2 } });
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.deepEqual(done.result, {
    free: 3,
    first: { error: 'api.demo.counter was not approved: not today; the call was not made', code: 'APPROVAL_DENIED' },
    second: { tag: 'two', count: 1 },
  });
  assert.deepEqual(state.calls.map((call) => call.tag), ['two']);
  assert.equal(done.stats.approvalCallsCount, 2);
});

test('policies.requireApproval without an approval service, or with an __error answer, fails the call clearly', async () => {
  const { executor, state } = executorOn(new Keyv(), { yaml: 'policies:\n  requireApproval: [demo.*]\n' });
  const code = 'try { await api.demo.counter({ tag: "x" }); return "ran"; } catch (error) { return error.message; }';
  const without = await executor.execute(request(code, { services: { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false } }));
  assert.equal(without.status, 'completed');
  assert.match(without.result, /^api\.demo\.counter needs a person's approval first \(policies\.requireApproval\), and this client provides no approval service/);
  const paused = await executor.execute(request(code));
  const refused = await executor.resume(paused.executionId, 'client-a', { result: { __error: true, message: 'no one is there to ask' } });
  assert.equal(refused.result, 'no one is there to ask');
  assert.equal(state.counter, 0);
});

test('policies.requireApproval: the input is checked first; an invalid call fails as an ungated one does, and no one is asked', async () => {
  // a real module tool (validated against its inputSchema, through the catalog's guard) in the demo group
  const math = await loadGroup({ name: 'math', type: 'module', module: path.join(MODULES, 'math.js'), timeout: 30_000, concurrency: 16 }, { logger: createLogger({ level: 'silent', format: 'text' }), configDir: MODULES });
  closers.push(() => math.close());
  const divide = math.tools.find((tool) => tool.path[0] === 'divide');
  const gated = executorOn(new Keyv(), { yaml: 'policies:\n  requireApproval: [demo.divide]\n', extraTools: [divide] });
  const ungated = executorOn(new Keyv(), { extraTools: [divide] });
  const code = 'try { return await api.demo.divide({ a: 1, b: "two" }); } catch (error) { return { message: error.message, code: error.code }; }';
  const [refused, plain] = await Promise.all([gated.executor.execute(request(code)), ungated.executor.execute(request(code))]);
  assert.equal(refused.status, 'completed', `no pause for approval: ${JSON.stringify(refused.needsCallback)}`);
  assert.equal(refused.stats.approvalCallsCount, 0);
  assert.equal(refused.result.code, 'VALIDATION_FAILED');
  assert.match(refused.result.message, /^api\.math\.divide: invalid input: "b" must be a number, not the string "two"$/);
  assert.deepEqual(refused.result, plain.result, 'the same error as without requireApproval');
  const noService = await gated.executor.execute(request(code, { services: { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false } }));
  assert.equal(noService.result.code, 'VALIDATION_FAILED', 'invalid input is named before the missing approval service');

  // valid input: the person is asked, and the call runs once approved
  const paused = await gated.executor.execute(request('return await api.demo.divide({ a: 6, b: 3 })'));
  assert.equal(paused.status, 'paused');
  assert.deepEqual(paused.needsCallback.payload.context, { function: 'api.demo.divide', input: { a: 6, b: 3 } });
  const done = await gated.executor.resume(paused.executionId, 'client-a', { result: { approved: true } });
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.equal(done.result, 2);
  assert.equal(done.stats.approvalCallsCount, 1);
});

test('policies.requireApproval: gated calls started together come as one batch; each answer decides its own call', async () => {
  const { executor, state } = executorOn(new Keyv(), { yaml: 'policies:\n  requireApproval: [demo.counter]\n' });
  const paused = await executor.execute(request(`
    const settle = (p) => p.then((value) => value.tag, (error) => error.code);
    return await Promise.all([settle(api.demo.counter({ tag: 'left' })), settle(api.demo.counter({ tag: 'right' }))]);`));
  assert.equal(paused.status, 'paused');
  assert.equal(paused.needsCallbacks.length, 2);
  const [left, right] = paused.needsCallbacks;
  assert.deepEqual([left.payload.context.input, right.payload.context.input], [{ tag: 'left' }, { tag: 'right' }]);
  const done = await executor.resume(paused.executionId, 'client-a', { results: [{ id: right.id, result: { approved: true } }, { id: left.id, result: { approved: false } }] });
  assert.equal(done.status, 'completed', JSON.stringify(done.error));
  assert.deepEqual(done.result, ['APPROVAL_DENIED', 'right']);
  assert.deepEqual(state.calls.map((call) => call.tag), ['right']);
});
