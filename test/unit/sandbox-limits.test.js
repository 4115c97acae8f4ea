// Limits: every way agent code can try to run forever or eat the server ends in a clear outcome, and the
// process (this test process is the server) keeps serving afterwards.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeExecutor, request } from './execution-harness.js';

const { executor } = makeExecutor({ yaml: 'execution:\n  pool: 2\n  maxResultSize: 64KB\n  maxLogEntries: 50\n' });
after(() => executor.close());

const run = (code, limits = {}, extra = {}) => executor.execute(request(code, { limits: { timeout: 3000, memory: 32 * 1024 * 1024, llmCalls: 5, ...limits }, ...extra }));

test('an infinite synchronous loop times out, naming the line it was on', async () => {
  const result = await run('let i = 0;\nwhile (true) { i++; }', { timeout: 300 });
  assert.equal(result.status, 'timeout');
  assert.equal(result.error.code, 'TIMEOUT_ERROR');
  assert.equal(result.error.line, 2);
  assert.ok(result.stats.duration >= 300);
});

test('an infinite loop after an await (in a microtask) times out too', async () => {
  const result = await run('await api.demo.add({ a: 1, b: 2 });\nfor (;;) {}', { timeout: 300 });
  assert.equal(result.status, 'timeout');
  assert.equal(result.error.code, 'TIMEOUT_ERROR');
  const next = await run('return 1;');
  assert.equal(next.result, 1);
});

test('a runaway microtask after the program returned does not hold the result back', async () => {
  // the loop starts a few microtasks after the program's own end
  const result = await run('Promise.resolve().then(() => 0).then(() => 0).then(() => 0).then(() => { for (;;) {} });\nreturn 1;', { timeout: 60_000 });
  assert.deepEqual([result.status, result.result], ['completed', 1]);
  assert.ok(result.stats.duration < 60_000);
  assert.equal((await run('return 2;')).result, 2);
});

test('awaiting a promise nothing can settle ends at once instead of waiting for the timeout', async () => {
  const result = await run('await new Promise(() => {});\nreturn 1', { timeout: 60_000 });
  assert.equal(result.status, 'timeout');
  assert.match(result.error.message, /nothing can settle/);
  assert.ok(result.stats.duration < 60_000);
});

test('awaiting a timer longer than the timeout times out at the timeout', async () => {
  const result = await run('await new Promise((resolve) => setTimeout(resolve, 10 ** 8));', { timeout: 300 });
  assert.equal(result.status, 'timeout');
  assert.ok(result.stats.duration >= 300);
});

test('time spent waiting for server calls counts toward the timeout, and the timeout names the call and its line', async () => {
  const result = await run('const fast = await api.demo.add({ a: 1, b: 2 });\n\nconst slow = await api.demo.sleep({ ms: 5000 });', { timeout: 300 });
  assert.equal(result.status, 'timeout');
  assert.match(result.error.message, /It was waiting for api\.demo\.sleep, called at line 3\.$/);
  assert.equal(result.error.line, 3);
});

test('a memory bomb ends as memory_exceeded', async () => {
  const result = await run('const keep = [];\nwhile (true) keep.push("x".repeat(1 << 20) + keep.length);', { memory: 16 * 1024 * 1024, timeout: 20_000 });
  assert.equal(result.status, 'memory_exceeded');
  assert.equal(result.error.code, 'MEMORY_LIMIT_EXCEEDED');
});

test('deep recursion fails with the RangeError, catchable by the code', async () => {
  const uncaught = await run('function down(n) { return down(n + 1) + 1; }\nreturn down(0);');
  assert.equal(uncaught.status, 'failed');
  assert.match(uncaught.error.message, /Maximum call stack size exceeded/);
  const caught = await run('function down(n) { return down(n + 1) + 1; }\ntry { down(0); } catch (e) { return e instanceof RangeError; }');
  assert.deepEqual([caught.status, caught.result], ['completed', true]);
});

test('a huge string fails cleanly', async () => {
  const result = await run('const s = "x".repeat(2 ** 29); return s.length;', { memory: 64 * 1024 * 1024 });
  assert.ok(['failed', 'memory_exceeded'].includes(result.status), result.status);
  if (result.status === 'failed') assert.match(result.error.message, /Invalid string length/);
});

test('a result over maxResultSize is an error, not a crash', async () => {
  const result = await run('return "y".repeat(200 * 1024);');
  assert.equal(result.status, 'failed');
  assert.equal(result.error.code, 'RESULT_TOO_LARGE');
  assert.match(result.error.message, /more than the 64 KB/);
});

test('a result that is not JSON is refused with the path of the offending value', async () => {
  const fn = await run('return { ok: 1, nested: { f: () => 1 } };');
  assert.equal(fn.status, 'failed');
  assert.match(fn.error.message, /the result\.nested\.f is a function/);
  const map = await run('return new Map([[1, 2]]);');
  assert.match(map.error.message, /Map/);
  const cycle = await run('const a = {}; a.self = a; return a;');
  assert.match(cycle.error.message, /cycle/);
});

test('a log flood is bounded: maxLogEntries entries, then one notice', async () => {
  const logs = [];
  const result = await run('for (let i = 0; i < 100000; i++) console.log("line", i);\nreturn "done";', {}, { onLog: (event) => logs.push(event) });
  assert.equal(result.status, 'completed');
  assert.equal(logs.filter((event) => event.message.startsWith('line ')).length, 50);
  assert.equal(logs.filter((event) => /dropped/.test(event.message)).length, 1);
});

test('an oversized log line is truncated', async () => {
  const logs = [];
  await run('atp.log.info("z".repeat(100000)); return 1;', {}, { onLog: (event) => logs.push(event) });
  assert.equal(logs.length, 1);
  assert.ok(logs[0].message.length <= 4097);
});

test('a flood of timers and unawaited calls stays inside the limits', async () => {
  const timers = await run('for (let i = 0; i < 5000; i++) setTimeout(() => {}, 10 ** 6);');
  assert.equal(timers.status, 'failed');
  assert.match(timers.error.message, /more than 1000 timers/);
  const calls = await run('const all = []; for (let i = 0; i < 2000; i++) all.push(api.demo.add({ a: i, b: 1 }));\nconst out = await Promise.all(all); return out.length;');
  assert.deepEqual([calls.status, calls.result], ['completed', 2000]);
});

test('the process survives all of the above and still runs code', async () => {
  const result = await run('return 40 + 2;');
  assert.deepEqual([result.status, result.result], ['completed', 42]);
});
