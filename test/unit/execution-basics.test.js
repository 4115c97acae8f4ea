// What runs without pausing: results, the host bridge, runtime services, policies, outcomes and admission.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import { demoTool, makeExecutor, request } from './execution-harness.js';

const cacheStore = new Keyv();
const { executor, state } = makeExecutor({ yaml: 'execution:\n  pool: 2\n', cacheStore });
after(() => executor.close());

const run = (code, extra = {}) => executor.execute(request(code, extra));

test('return values, top-level await and TypeScript', async () => {
  const result = await run(`
    interface Pair { a: number; b: number }
    const pair: Pair = { a: 2, b: 3 };
    const sum = await api.demo.add(pair);
    return { ...sum, nested: await atp.api.demo.issues.create({ title: 't' }) } as const;`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { sum: 5, nested: { created: 't' } });
  assert.equal(typeof result.executionId, 'string');
  for (const key of ['duration', 'memoryUsed', 'llmCallsCount', 'approvalCallsCount']) assert.equal(typeof result.stats[key], 'number');
  const nothing = await run('const x = 1;');
  assert.equal(nothing.status, 'completed');
  assert.equal('result' in nothing, false);
});

test('api.* is made as the code reaches into it, and looks as if it were made up front', async () => {
  const { executor: treeExecutor } = makeExecutor({
    extraTools: [
      demoTool('repos', async () => 'the repos function'),
      demoTool('repos.get', async () => 'repos.get'),
      ...Array.from({ length: 300 }, (_, i) => demoTool(`bulk.ns${i % 7}.op${i}`, async () => i)),
    ],
  });
  try {
    const result = await treeExecutor.execute(request(`
      const before = Object.keys(api.demo).sort();
      return {
        roots: Object.keys(api),
        before,
        namespace: Object.keys(api.demo.bulk.ns3).length,
        deep: await api.demo.bulk.ns3.op213({}),
        name: api.demo.issues.create.name,
        kinds: [typeof api.demo.add, typeof api.demo.repos, typeof api.demo.repos.get, typeof api.demo.nothing],
        both: [await api.demo.repos({}), await api.demo.repos.get({})],
        same: atp.api.demo.bulk === api.demo.bulk,
        replaced: (() => { api.demo.add = 'mine'; return api.demo.add; })(),
        client: [typeof api.client.ask, await api.demo.echo({ from: 'the catalog' })],
      };`, { clientTools: [{ name: 'ask', description: 'a client tool', inputSchema: { type: 'object' } }, { name: 'echo', namespace: 'demo', description: 'shadowed', inputSchema: { type: 'object' } }] }));
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.deepEqual(result.result.roots.sort(), ['client', 'demo']);
    assert.deepEqual(result.result.before, ['add', 'boom', 'bulk', 'counter', 'echo', 'issues', 'repos', 'sleep', 'upstream500']);
    assert.equal(result.result.namespace, 43); // op3, op10, ..., op297
    assert.equal(result.result.deep, 213);
    assert.equal(result.result.name, 'create');
    assert.deepEqual(result.result.kinds, ['function', 'function', 'function', 'undefined']);
    assert.deepEqual(result.result.both, ['the repos function', 'repos.get']);
    assert.equal(result.result.same, true);
    assert.equal(result.result.replaced, 'mine');
    assert.deepEqual(result.result.client, ['function', { from: 'the catalog' }]); // a client tool does not displace a catalog function
  } finally {
    await treeExecutor.close();
  }
});

test('syntax errors are parse_error with the line and column of the user\'s code', async () => {
  const result = await run('const a = 1;\nconst b: number = 2;\nreturn a +;');
  assert.equal(result.status, 'parse_error');
  assert.equal(result.error.code, 'SYNTAX_ERROR');
  assert.equal(result.error.line, 3);
  assert.equal(result.error.column, 11); // the ";" where an operand was expected
  const unclosed = await run('if (true) {\n  return 1;');
  assert.equal(unclosed.status, 'parse_error');
  assert.equal(unclosed.error.line, 2);
});

test('code that only V8 rejects (an invalid regular expression) is parse_error at the user\'s line', async () => {
  const result = await run('const ok: number = 1;\nconst r = /[b-a]/;\nreturn ok;');
  assert.equal(result.status, 'parse_error');
  assert.equal(result.error.code, 'SYNTAX_ERROR');
  assert.match(result.error.message, /Range out of order in character class/);
  assert.equal(result.error.line, 2);
  assert.doesNotMatch(result.error.message, /agent\.ts/); // no position in the transpiled code
  // import and export declarations get as far as V8, which rejects them at the user's line
  const imported = await run('const x = 1;\nimport fs from "fs";\nreturn 1;');
  assert.deepEqual([imported.status, imported.error.line, imported.error.column], ['parse_error', 2, 1]);
  assert.match(imported.error.message, /^Cannot use import statement outside a module/);
  // a SyntaxError the code throws itself is a failure of the program, not of its syntax
  const thrown = await run('throw new SyntaxError("made by the code");');
  assert.deepEqual([thrown.status, thrown.error.message], ['failed', 'made by the code']);
  const parsed = await run('return JSON.parse("{");');
  assert.equal(parsed.status, 'failed');
});

test('runtime errors carry the user\'s line even after TypeScript was stripped', async () => {
  const result = await run('type T = {\n  a: string;\n};\nconst t: T = { a: "x" };\n\nnull.boom;');
  assert.equal(result.status, 'failed');
  assert.equal(result.error.code, 'TYPE_ERROR');
  assert.equal(result.error.line, 6);
  const thrown = await run('\nthrow new Error("custom failure");');
  assert.deepEqual([thrown.status, thrown.error.code, thrown.error.message, thrown.error.line], ['failed', 'EXECUTION_FAILED', 'custom failure', 2]);
  const reference = await run('return notDefined + 1');
  assert.deepEqual([reference.error.code, reference.error.message], ['REFERENCE_ERROR', 'notDefined is not defined']);
});

test('a message that merely mentions a timeout or memory is still a plain failure', async () => {
  const result = await run('throw new Error("Script execution timed out. Isolate was disposed during execution due to memory limit");');
  assert.deepEqual([result.status, result.error.code], ['failed', 'EXECUTION_FAILED']);
  const unhandled = await run('Promise.reject(new Error("Script execution timed out.")); await api.demo.add({ a: 1, b: 1 }); return "still fine";');
  assert.deepEqual([unhandled.status, unhandled.result], ['completed', 'still fine']);
});

test('tool failures keep their status: an upstream 500 is HTTP_ERROR and retryable', async () => {
  const result = await run('await api.demo.upstream500({});');
  assert.equal(result.status, 'failed');
  assert.equal(result.error.code, 'HTTP_ERROR');
  assert.equal(result.error.retryable, true);
  const caught = await run('try { await api.demo.upstream500({}); } catch (e) { return [e.message, e.status, e.code]; }');
  assert.deepEqual(caught.result, ['GET /fail: HTTP 500: boom', 500, 'HTTP_ERROR']);
});

test('calls started with Promise.all run concurrently on the host', async () => {
  state.maxInFlight = 0;
  const result = await run('return (await Promise.all([1, 2, 3, 4].map((i) => api.demo.sleep({ ms: 40, tag: i })))).map((r) => r.tag);');
  assert.deepEqual(result.result, [1, 2, 3, 4]);
  assert.equal(state.maxInFlight, 4);
});

test('atp.cache is scoped per client', async () => {
  const a = await run('await atp.cache.set("k", { v: 1 }); return [await atp.cache.get("k"), await atp.cache.has("k")];');
  assert.deepEqual(a.result, [{ v: 1 }, true]);
  const b = await run('return [await atp.cache.get("k"), await atp.cache.has("k")];', { clientId: 'client-b' });
  assert.deepEqual(b.result, [null, false]);
  const again = await run('const had = await atp.cache.delete("k"); return [had, await atp.cache.get("k")];');
  assert.deepEqual(again.result, [true, null]);
});

test('logs and progress reach the listeners, with their levels and data', async () => {
  const logs = [];
  const progress = [];
  const result = await run(`
    console.log('hello', { a: 1 }); console.warn('careful'); atp.log.error('bad', { code: 7 }); atp.log.debug('fine');
    atp.progress.report({ current: 1, total: 4, message: 'quarter' });
    atp.progress.report('half', 0.5);
    return 1;`, { onLog: (event) => logs.push(event), onProgress: (event) => progress.push(event) });
  assert.equal(result.status, 'completed');
  assert.deepEqual(logs, [
    { level: 'info', message: 'hello {"a":1}' },
    { level: 'warn', message: 'careful' },
    { level: 'error', message: 'bad', data: { code: 7 } },
    { level: 'debug', message: 'fine' },
  ]);
  assert.deepEqual(progress, [{ message: 'quarter', fraction: 0.25, current: 1, total: 4 }, { message: 'half', fraction: 0.5 }]);
});

test('allowedApis and allowLLMCalls are enforced on the host', async () => {
  const ok = await run('return (await api.demo.add({ a: 1, b: 1 })).sum;', { allowedApis: ['demo.add'] });
  assert.equal(ok.result, 2);
  const blocked = await run('await api.demo.echo({});', { allowedApis: ['demo.add', 'demo.issues.*'] });
  assert.deepEqual([blocked.status, blocked.error.code], ['security_violation', 'FORBIDDEN_OPERATION']);
  const noLlm = await run('await atp.llm.call("x");', { allowLLMCalls: false });
  assert.equal(noLlm.status, 'security_violation');
});

test('the LLM-call limit ends the execution as llm_calls_exceeded, batches included', async () => {
  const result = await run('await Promise.all([atp.llm.call("a"), atp.llm.call("b"), atp.llm.call("c")]);', { limits: { timeout: 5000, memory: 32e6, llmCalls: 2 } });
  assert.deepEqual([result.status, result.error.code], ['llm_calls_exceeded', 'LLM_CALL_LIMIT_EXCEEDED']);
});

test('a service the client does not provide throws a catchable error at once', async () => {
  const services = { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false };
  const result = await run('try { await atp.llm.call("x"); } catch (e) { return e.message; }', { services });
  assert.equal(result.status, 'completed');
  assert.match(result.result, /^llm service not provided by client/);
  const uncaught = await run('await atp.approval.request("ok?");', { services });
  assert.equal(uncaught.status, 'failed');
  assert.match(uncaught.error.message, /^approval service not provided by client/);
});

test('executions beyond concurrency plus queue are rate_limited, the others complete', async () => {
  const { executor: small } = makeExecutor({ yaml: 'execution:\n  pool: 1\n  concurrency: 1\n  queue: 1\n' });
  try {
    const results = await Promise.all([1, 2, 3].map(() => small.execute(request('await api.demo.sleep({ ms: 100 }); return 1;'))));
    assert.deepEqual(results.map((r) => r.status).sort(), ['completed', 'completed', 'rate_limited']);
    const limited = results.find((r) => r.status === 'rate_limited');
    assert.equal(limited.error.retryable, true);
  } finally {
    await small.close();
  }
});

test('setTimeout, setInterval and clearTimeout work and count toward the timeout', async () => {
  const result = await run(`
    const events = [];
    const cancelled = setTimeout(() => events.push('never'), 1);
    clearTimeout(cancelled);
    await new Promise((resolve) => {
      const id = setInterval(() => { events.push('tick'); if (events.length === 3) { clearInterval(id); resolve(); } }, 5);
    });
    await new Promise((resolve) => setTimeout(resolve, 30)); // a cleared interval stays quiet
    return events;`);
  assert.deepEqual(result.result, ['tick', 'tick', 'tick']);
  const tooLong = await run('await new Promise((resolve) => setTimeout(resolve, 60_000));', { limits: { timeout: 200, memory: 32e6, llmCalls: 1 } });
  assert.equal(tooLong.status, 'timeout');
});

test('close() cancels what is still running after the grace period and refuses new work', async () => {
  const { executor: closing } = makeExecutor({ yaml: 'execution:\n  pool: 0\n' });
  const running = closing.execute(request('while (true) {}', { limits: { timeout: 60_000, memory: 32e6, llmCalls: 1 } }));
  while (closing.stats().running === 0) await new Promise((resolve) => setImmediate(resolve));
  await closing.close(50);
  const result = await running;
  assert.equal(result.status, 'cancelled');
  const refused = await closing.execute(request('return 1'));
  assert.equal(refused.status, 'cancelled');
});

test('a turn\'s posts arrive in order with its clock readings, whatever their size', async () => {
  const logs = [];
  const result = await run(`
    console.log('before');
    const echoed = await api.demo.echo({ big: 'x'.repeat(40000), at: Date.now() > 0 });
    console.log('after', echoed.big.length);
    const again = await api.demo.echo({ small: true });
    console.log('last');
    return { length: echoed.big.length, at: echoed.at, again, tail: 'y'.repeat(50000).length };`, { onLog: (event) => logs.push(event.message) });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { length: 40000, at: true, again: { small: true }, tail: 50000 });
  assert.deepEqual(logs, ['before', 'after 40000', 'last']);
});
