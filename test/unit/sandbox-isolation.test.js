// execution.isolation: client. Executions of one client share an isolate, each in a new context: nothing one
// leaves behind (a patched builtin, a global, a closure, a microtask, a promise, a WeakRef, a finalizer, a timer)
// is visible to the next. Different clients never share; an isolate is retired after a timeout, a memory-limit
// hit or its share of executions, and the client's executions go on, paused ones by replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import { Catalog } from '../../dist/catalog/index.js';
import { configFromText } from '../../dist/config/index.js';
import { createExecutor } from '../../dist/execution/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { demoTool, makeExecutor, request } from './execution-harness.js';

async function until(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function run(executor, code, overrides) {
  return executor.execute(request(code, overrides));
}

const idsOf = (executor, clientId = 'client-a') => executor.isolatesOf(clientId).map((isolate) => isolate.id);

/** What a leaker leaves, and what the next execution must not see of it. */
const LEAKS = [
  {
    name: 'modified builtins',
    leak: `Array.prototype.push = function () { return -1; }; Object.prototype.x = 1; Math.random = () => 4;
      Error.prepareStackTrace = () => 'leak'; Error.stackTraceLimit = 0; JSON.parse = () => 'leak'; return 1;`,
    check: `const a = []; a.push(1); return { push: a.length, x: 'x' in {}, random: Math.random() < 1, prepare: typeof Error.prepareStackTrace, limit: Error.stackTraceLimit, parse: JSON.parse('2') };`,
    expected: { push: 1, x: false, random: true, prepare: 'undefined', limit: 10, parse: 2 },
  },
  {
    name: 'a global and a closure stashed on globalThis',
    leak: `const secret = 's3cret'; globalThis.g = 2; globalThis.reveal = () => secret; Object.defineProperty(globalThis, 'fixed', { value: 1 }); return 1;`,
    check: `return [typeof g, typeof reveal, typeof fixed];`,
    expected: ['undefined', 'undefined', 'undefined'],
  },
  {
    name: 'a leftover microtask chain',
    leak: `let n = 0; const step = () => { if (++n < 2000) Promise.resolve().then(step); else { Object.prototype.late = 1; globalThis.late = 1; } };
      Promise.resolve().then(step); return 'left';`,
    check: `await Promise.resolve(); return ['late' in {}, typeof late];`,
    expected: [false, 'undefined'],
  },
  {
    name: 'an unresolved promise and a call still in flight',
    leak: `globalThis.p = new Promise(() => {}); p.then(() => { Object.prototype.p = 1; });
      api.demo.sleep({ ms: 100 }).then(() => { Object.prototype.slept = 1; globalThis.slept = 1; }); return 1;`,
    check: `await api.demo.sleep({ ms: 150 }); return ['p' in {}, 'slept' in {}, typeof slept, typeof p];`,
    expected: [false, false, 'undefined', 'undefined'],
  },
  {
    // the runtime removes both (their timing is not replayable); an execution that puts its own in their place
    // leaves them to no one, and a finalizer's callback, were there one, would run in its own context
    name: 'a WeakRef and a FinalizationRegistry callback',
    leak: `if (typeof WeakRef !== 'undefined' || typeof FinalizationRegistry !== 'undefined') throw new Error('present');
      globalThis.WeakRef = class { deref() { return 'leak'; } }; globalThis.FinalizationRegistry = class { register() { Object.prototype.finalized = 1; } };
      new FinalizationRegistry().register({}); globalThis.ref = new WeakRef({}); return 1;`,
    // garbage, so that V8 collects while the next execution runs
    check: `let junk = []; for (let i = 0; i < 40; i++) junk.push(new Array(10000).fill(i)); junk = null;
      await api.demo.sleep({ ms: 20 }); return [typeof WeakRef, typeof FinalizationRegistry, typeof ref, 'finalized' in {}];`,
    expected: ['undefined', 'undefined', 'undefined', false],
  },
  {
    name: 'pending timers',
    leak: `setTimeout(() => { Object.prototype.timer = 1; globalThis.timer = 1; }, 30); setInterval(() => { Array.prototype.push = null; }, 10); return 1;`,
    check: `await new Promise((resolve) => setTimeout(resolve, 100)); const a = []; a.push(1); return ['timer' in {}, typeof timer, a.length];`,
    expected: [false, 'undefined', 1],
  },
];

test('two executions of one client share an isolate, and the second sees nothing the first left', async () => {
  // a turn stopped at the inline budget (a loaded machine) would retire the isolate: not what this test is about
  const { executor } = makeExecutor({ inlineTurns: { budgetMs: 5000 } });
  try {
    let isolate;
    let executions = 0;
    for (const { name, leak, check, expected } of LEAKS) {
      const left = await run(executor, leak);
      assert.equal(left.status, 'completed', `${name}: ${JSON.stringify(left.error)}`);
      // the answer may come before the isolate turns idle (a loaded machine): the next execution would take another
      await until(() => executor.isolatesOf('client-a').every((isolate) => !isolate.busy), `${name}: the isolate to be given back`);
      const seen = await run(executor, check);
      assert.equal(seen.status, 'completed', `${name}: ${JSON.stringify(seen.error)}`);
      assert.deepEqual(seen.result, expected, name);
      executions += 2;
      const isolates = executor.isolatesOf('client-a');
      assert.equal(isolates.length, 1, `${name}: one isolate`);
      isolate ??= isolates[0].id;
      assert.equal(isolates[0].id, isolate, `${name}: the same isolate throughout`);
      assert.equal(isolates[0].executions, executions, `${name}: every execution ran in it`);
    }
  } finally {
    await executor.close();
  }
});

test('different clients never share an isolate', async () => {
  const { executor } = makeExecutor();
  try {
    for (const clientId of ['client-a', 'client-b', 'client-a', 'client-b']) {
      const result = await run(executor, 'globalThis.mine = 1; return typeof other;', { clientId });
      assert.deepEqual([result.status, result.result], ['completed', 'undefined']);
    }
    const [a, b] = [executor.isolatesOf('client-a'), executor.isolatesOf('client-b')];
    assert.equal(a.length, 1);
    assert.equal(b.length, 1);
    assert.notEqual(a[0].id, b[0].id);
    assert.deepEqual([a[0].executions, b[0].executions], [2, 2]);
  } finally {
    await executor.close();
  }
});

test('a timeout retires the isolate; the client\'s next execution runs in another', async () => {
  const { executor } = makeExecutor();
  try {
    await run(executor, 'return 1;');
    const [before] = idsOf(executor);
    const stuck = await run(executor, 'while (true) {}', { limits: { timeout: 300, memory: 64 * 1024 * 1024, llmCalls: 5 } });
    assert.equal(stuck.status, 'timeout');
    assert.ok(!idsOf(executor).includes(before), 'the isolate that timed out is retired');
    const next = await run(executor, 'return [1, 2].map((n) => n * 2);');
    assert.deepEqual([next.status, next.result], ['completed', [2, 4]]);
    assert.equal(idsOf(executor).length, 1);
    assert.notEqual(idsOf(executor)[0], before);
  } finally {
    await executor.close();
  }
});

test('a memory-limit hit retires the isolate; the client\'s next execution runs in another', async () => {
  const { executor } = makeExecutor();
  const limits = { timeout: 5000, memory: 16 * 1024 * 1024, llmCalls: 5 };
  try {
    await run(executor, 'return 1;', { limits });
    const [before] = idsOf(executor);
    const bomb = await run(executor, 'const all = []; while (true) all.push(new Array(100000).fill(Math.random()));', { limits });
    assert.equal(bomb.status, 'memory_exceeded');
    assert.ok(!idsOf(executor).includes(before));
    const next = await run(executor, 'return "fine";', { limits });
    assert.deepEqual([next.status, next.result], ['completed', 'fine']);
    assert.notEqual(idsOf(executor)[0], before);
  } finally {
    await executor.close();
  }
});

test('an isolate is retired after its share of executions', async () => {
  const { executor } = makeExecutor({ clientIsolates: { maxExecutions: 3 } });
  try {
    const seen = [];
    for (let i = 0; i < 7; i++) {
      const result = await run(executor, `return ${i};`);
      assert.deepEqual([result.status, result.result], ['completed', i]);
      seen.push(idsOf(executor)[0]); // undefined once retired, until the next execution
    }
    // three executions each, then retired: 1 1 - 2 2 - 3 . (the last one of each is retired at its end)
    assert.deepEqual(seen.map((id) => id === undefined), [false, false, true, false, false, true, false]);
    assert.equal(new Set(seen.filter(Boolean)).size, 3);
  } finally {
    await executor.close();
  }
});

test('executions of one client in flight together use more than one isolate, up to execution.clientIsolates', async () => {
  const { executor, state } = makeExecutor({ yaml: 'execution:\n  clientIsolates: 2\n' });
  try {
    const both = [run(executor, 'return await api.demo.sleep({ ms: 300, tag: 1 });'), run(executor, 'return await api.demo.sleep({ ms: 300, tag: 2 });')];
    await until(() => state.inFlight === 2, 'both executions to be in flight');
    const isolates = executor.isolatesOf('client-a');
    assert.equal(isolates.length, 2);
    assert.ok(isolates.every((isolate) => isolate.busy));
    const results = await Promise.all(both);
    assert.deepEqual(results.map((result) => result.status), ['completed', 'completed']);
    // a third at once, beyond perClient, gets an isolate of its own and still completes
    const three = await Promise.all([1, 2, 3].map((tag) => run(executor, `return (await api.demo.sleep({ ms: 50, tag: ${tag} })).tag;`)));
    assert.deepEqual(three.map((result) => result.result), [1, 2, 3]);
    assert.equal(executor.isolatesOf('client-a').length, 2);
  } finally {
    await executor.close();
  }
});

test('beyond clientIsolates, executions queue for the client\'s isolates while they free up; a queue stalled for waitMs takes isolates of their own', async () => {
  const { executor } = makeExecutor({ clientIsolates: { perClient: 1, waitMs: 5_000 } });
  try {
    const both = await Promise.all([1, 2].map((tag) => run(executor, `return (await api.demo.sleep({ ms: 50, tag: ${tag} })).tag;`)));
    assert.deepEqual(both.map((result) => result.result), [1, 2]);
    const [isolate] = executor.isolatesOf('client-a');
    assert.equal(isolate.executions, 2, 'the second ran in the first one\'s isolate, after it');
  } finally {
    await executor.close();
  }
  const { executor: quick } = makeExecutor({ clientIsolates: { perClient: 1, waitMs: 20 } });
  try {
    const ended = [];
    const slow = run(quick, 'return (await api.demo.sleep({ ms: 600, tag: 1 })).tag;').then((result) => ended.push(result.result));
    await until(() => quick.isolatesOf('client-a').some((isolate) => isolate.busy), 'the first execution to hold the isolate');
    const fast = run(quick, 'return (await api.demo.sleep({ ms: 10, tag: 2 })).tag;').then((result) => ended.push(result.result));
    await Promise.all([slow, fast]);
    assert.deepEqual(ended, [2, 1], 'the second did not wait for the first: the queue stalled 20 ms, and it got an isolate of its own');
    assert.equal(quick.isolatesOf('client-a')[0].executions, 1);
  } finally {
    await quick.close();
  }
});

test('a paused execution whose isolate was retired resumes by replay, its tool calls not made again', async () => {
  const { executor, state } = makeExecutor();
  try {
    const paused = await run(executor, `const c = await api.demo.counter({ tag: 'before' });
      const answer = await atp.llm.call({ prompt: 'go on?' });
      return { count: c.count, answer };`);
    assert.equal(paused.status, 'paused');
    const [isolate] = executor.isolatesOf('client-a');
    assert.equal(isolate.parked, 1, 'the paused execution keeps its context in the isolate');
    // the client's next execution runs in the same isolate and times out there: the isolate is retired
    const stuck = await run(executor, 'while (true) {}', { limits: { timeout: 300, memory: 64 * 1024 * 1024, llmCalls: 5 } });
    assert.equal(stuck.status, 'timeout');
    assert.ok(!idsOf(executor).includes(isolate.id));
    const resumed = await executor.resume(paused.executionId, 'client-a', { result: 'yes' });
    assert.equal(resumed.status, 'completed', JSON.stringify(resumed.error));
    assert.deepEqual(resumed.result, { count: 1, answer: 'yes' });
    assert.equal(state.counter, 1, 'the call before the pause ran once');
  } finally {
    await executor.close();
  }
});

test('a paused execution whose isolate is busy with another of the client resumes by replay; a free one resumes in place', async () => {
  const { executor, state } = makeExecutor({ clientIsolates: { perClient: 2 } });
  const code = `const c = await api.demo.counter({ tag: 'x' }); const answer = await atp.llm.call({ prompt: 'p' }); return [c.count, answer];`;
  try {
    const first = await run(executor, code);
    assert.equal(first.status, 'paused');
    const [isolate] = executor.isolatesOf('client-a');
    const busy = run(executor, 'return await api.demo.sleep({ ms: 300 });'); // the free isolate is the paused one's
    await until(() => state.inFlight === 1, 'the other execution to run');
    assert.equal(executor.isolatesOf('client-a').find((found) => found.id === isolate.id).busy, true);
    const resumed = await executor.resume(first.executionId, 'client-a', { result: 'a' });
    assert.deepEqual([resumed.status, resumed.result], ['completed', [1, 'a']]);
    assert.equal((await busy).status, 'completed');
    const second = await run(executor, code);
    assert.equal(second.status, 'paused');
    const resumedInPlace = await executor.resume(second.executionId, 'client-a', { result: 'b' });
    assert.deepEqual([resumedInPlace.status, resumedInPlace.result], ['completed', [2, 'b']]);
    assert.equal(state.counter, 2);
  } finally {
    await executor.close();
  }
});

test('execution.isolation: execution holds no client isolate', async () => {
  const { executor } = makeExecutor({ yaml: 'execution:\n  isolation: execution\n' });
  try {
    for (let i = 0; i < 2; i++) assert.equal((await run(executor, 'return 1;')).status, 'completed');
    assert.deepEqual(executor.isolatesOf('client-a'), []);
    assert.equal(executor.stats().clientIsolates, 0);
  } finally {
    await executor.close();
  }
});

test('after the catalog changes, the client\'s next execution in the same isolate sees the new api.* functions', async () => {
  const listeners = [];
  const group = { name: 'demo', kind: 'module', tools: [demoTool('one', async () => 1)], close: async () => {}, onChange: (listener) => (listeners.push(listener), () => {}) };
  const config = configFromText('apis: []\n', { filepath: '/tmp/atp-test.yaml' });
  const executor = createExecutor({ config, catalog: new Catalog([group]), stateStore: new Keyv(), cacheStore: new Keyv(), logger: createLogger({ level: 'silent', format: 'text' }) });
  const probe = 'return [typeof api.demo.one, typeof api.demo.two];';
  try {
    assert.deepEqual((await executor.execute(request(probe))).result, ['function', 'undefined']);
    const [isolate] = executor.isolatesOf('client-a');
    await new Promise((resolve) => setImmediate(resolve)); // the isolate makes its next context ahead, before the change
    group.tools = [...group.tools, demoTool('two', async () => 2)];
    for (const listener of listeners) listener();
    const after = await executor.execute(request('return [typeof api.demo.two, await api.demo.two({})];'));
    assert.deepEqual([after.status, after.result], ['completed', ['function', 2]]);
    assert.equal(executor.isolatesOf('client-a')[0].id, isolate.id, 'the same isolate, a context with the new tree');
  } finally {
    await executor.close();
  }
});

test('an isolate whose heap stays above its share after an execution is retired; one below is kept', async () => {
  const { executor } = makeExecutor({ clientIsolates: { heapShare: 0.25 }, inlineTurns: { budgetMs: 5000 } });
  try {
    await run(executor, 'globalThis.small = new Array(1000).fill(1); return 1;');
    const [kept] = idsOf(executor);
    assert.equal((await run(executor, 'return 2;')).status, 'completed');
    assert.deepEqual(idsOf(executor), [kept], 'a small heap keeps the isolate');
    const big = await run(executor, 'globalThis.big = new Array(4_000_000).fill(0.5); return big.length;'); // 32MB of 64MB
    assert.deepEqual([big.status, big.result], ['completed', 4_000_000]);
    assert.deepEqual(idsOf(executor), [], 'retired at the end of the execution that left its heap high');
    assert.equal((await run(executor, 'return typeof big;')).result, 'undefined');
    assert.notEqual(idsOf(executor)[0], kept);
  } finally {
    await executor.close();
  }
});

test('an idle isolate is retired (sessions have no end hook: this is how a client that left lets go)', async () => {
  const { executor } = makeExecutor({ clientIsolates: { idleMs: 50 } });
  try {
    await run(executor, 'return 1;');
    const [first] = idsOf(executor);
    await until(() => idsOf(executor).length === 0, 'the idle isolate to be retired');
    const next = await run(executor, 'return 2;');
    assert.deepEqual([next.status, next.result], ['completed', 2]);
    assert.notEqual(idsOf(executor)[0], first);
  } finally {
    await executor.close();
  }
});

test('while one execution is paused in an isolate, the next runs there without seeing it; the paused one resumes in place with its own state', async () => {
  const logLines = [];
  const { executor } = makeExecutor({ logLines });
  try {
    const paused = await run(executor, `globalThis.secret = 's3cret'; Object.prototype.mark = 'a'; Array.prototype.push = () => -1;
      const answer = await atp.llm.call({ prompt: 'go on?' }); return [globalThis.secret, ({}).mark, [].push(1), answer];`);
    assert.equal(paused.status, 'paused');
    const [isolate] = executor.isolatesOf('client-a');
    assert.equal(isolate.parked, 1);
    const other = await run(executor, 'const a = []; a.push(1); return [typeof secret, ({}).mark ?? null, a.length];');
    assert.deepEqual([other.status, other.result], ['completed', ['undefined', null, 1]]);
    assert.deepEqual(executor.isolatesOf('client-a').map((found) => [found.id, found.executions]), [[isolate.id, 2]], 'both ran in the one isolate');
    const resumed = await executor.resume(paused.executionId, 'client-a', { result: 'yes' });
    assert.deepEqual([resumed.status, resumed.result], ['completed', ['s3cret', 'a', -1, 'yes']]);
    assert.equal(executor.isolatesOf('client-a')[0].parked, 0);
    assert.ok(!logLines.some((line) => line.msg === 'paused execution no longer held live'), 'resumed in place, not by replay');
  } finally {
    await executor.close();
  }
});
