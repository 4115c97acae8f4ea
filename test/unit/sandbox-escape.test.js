// Escape attempts: nothing of the host is reachable from agent code, nothing crosses the boundary but copied
// JSON, and nothing one execution does is visible to the next.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeExecutor, request } from './execution-harness.js';

const { executor, state } = makeExecutor({ yaml: 'execution:\n  pool: 2\n' });
after(() => executor.close());

const run = (code, extra = {}) => executor.execute(request(code, extra));

test('constructor chains lead to the isolate\'s own Function, which has no host inside', async () => {
  const result = await run(`
    const viaThis = (function () { return this; })().constructor.constructor('return typeof process')();
    const viaApi = api.demo.add.constructor('return typeof process + typeof require')();
    const viaAsync = (async () => {}).constructor('return typeof globalThis.process')();
    const viaError = new Error().constructor.constructor('return typeof module')();
    return [viaThis, viaApi, await viaAsync, viaError];`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, ['undefined', 'undefinedundefined', 'undefined', 'undefined']);
});

test('process, require, module and the raw host bridge are not there; import() fails', async () => {
  const result = await run(`
    const names = ['process', 'require', 'module', 'Buffer', '__atp_post', '__atp_record', '__atp_api', '__atp_start', 'fetch', 'setImmediate'];
    const found = names.filter((name) => typeof globalThis[name] !== 'undefined');
    let imported = 'no';
    try { await import('node:fs'); imported = 'yes'; } catch (e) { imported = 'refused'; }
    return { found, imported };`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { found: [], imported: 'refused' });
});

test('SharedArrayBuffer, Atomics and WebAssembly are removed, so no WebAssembly bomb can start', async () => {
  const result = await run('return [typeof SharedArrayBuffer, typeof Atomics, typeof WebAssembly, typeof WeakRef];');
  assert.deepEqual(result.result, ['undefined', 'undefined', 'undefined', 'undefined']);
  const bomb = await run('const memory = new WebAssembly.Memory({ initial: 65536 }); return memory.buffer.byteLength;');
  assert.equal(bomb.status, 'failed');
  assert.equal(bomb.error.code, 'REFERENCE_ERROR');
});

test('prototype pollution does not reach the next execution nor the host', async () => {
  const first = await run(`
    Object.prototype.polluted = 'yes'; Array.prototype.push = () => 0; JSON.parse = () => 'hijacked';
    const r = await api.demo.echo({ a: 1 });
    return [({}).polluted, r.a];`);
  assert.deepEqual(first.result, ['yes', 1]);
  const second = await run('return [typeof ({}).polluted, [1].push(2), JSON.parse("3")];');
  assert.deepEqual(second.result, ['undefined', 2, 3]);
  assert.equal({}.polluted, undefined);
});

test('arguments must be plain JSON: getters, cycles and functions are refused with a clear error', async () => {
  const result = await run(`
    const attempts = {
      getter: { get secret() { return 1; } },
      cycle: (() => { const a = {}; a.a = a; return a; })(),
      fn: { callback() {} },
      proto: JSON.parse('{"__proto__": {"x": 1}}'),
      bigint: { n: 1n },
    };
    const out = {};
    for (const [name, input] of Object.entries(attempts)) {
      try { await api.demo.echo(input); out[name] = 'sent'; } catch (e) { out[name] = e.constructor.name + ': ' + e.message; }
    }
    return out;`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.match(result.result.getter, /^TypeError: .*the argument\.secret is a getter/);
  assert.match(result.result.cycle, /^TypeError: .*cycle/);
  assert.match(result.result.fn, /^TypeError: .*the argument\.callback is a function/);
  assert.match(result.result.proto, /__proto__/);
  assert.match(result.result.bigint, /^TypeError: .*the argument\.n is a BigInt/);
  assert.equal(state.calls.length, 0);
});

test('what a call sends is the JSON of its argument when the call was made: a Proxy\'s traps run in the sandbox, a later change is not sent', async () => {
  const result = await run(`
    const seen = [];
    const proxy = new Proxy({ a: 1 }, { get(target, key) { seen.push(String(key)); return key === 'a' ? 2 : target[key]; } });
    const viaProxy = await api.demo.echo(proxy);
    const throwing = new Proxy({ a: 1 }, { get() { throw new Error('trap says no'); } });
    let refused;
    try { await api.demo.echo(throwing); } catch (e) { refused = e.constructor.name + ': ' + e.message; }
    const input = { list: [1] };
    const call = api.demo.echo(input);
    input.list.push(2);
    return { viaProxy, trapsRan: seen.includes('a'), refused, later: await call };`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result.viaProxy, { a: 2 });
  assert.equal(result.result.trapsRan, true);
  assert.match(result.result.refused, /^TypeError: api\.demo\.echo: the argument could not be turned into JSON \(trap says no\)/);
  assert.deepEqual(result.result.later, { list: [1] });
});

test('setters and toJSON on the prototypes neither see nor drop what the sandbox posts to the host', async () => {
  const logs = [];
  const result = await run(`
    const seen = { count: 0 };
    for (let i = 0; i < 8; i++) Object.defineProperty(Array.prototype, i, { set(v) { seen.count++; }, configurable: true });
    Array.prototype.toJSON = () => 'hijacked';
    Object.defineProperty(Object.prototype, 'posts', { set(v) { seen.count++; }, configurable: true });
    console.log('still logged');
    const echoed = await api.demo.echo({ a: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { echoed, seen: seen.count };`, { onLog: (event) => logs.push(event) });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { echoed: { a: 1 }, seen: 0 });
  assert.deepEqual(logs.map((event) => event.message), ['still logged']);
});

test('host objects never cross: a tool result is a fresh copy, mutations stay inside', async () => {
  const result = await run(`
    const a = await api.demo.echo({ list: [1, 2] });
    a.list.push(3);
    const b = await api.demo.echo({ list: [1, 2] });
    return [a.list.length, b.list.length, Object.getPrototypeOf(a) === Object.prototype];`);
  assert.deepEqual(result.result, [3, 2, true]);
});

test('an argument is copied when the call is made: changes after it, in the same turn, do not reach the host', async () => {
  state.calls.length = 0;
  // the first turn, then a later one (after an await): both run on the host's thread and hand their calls over at their end
  const result = await run(`
    const input = { tag: 'first', when: new Date(0), list: [1] };
    const a = api.demo.counter(input);
    input.tag = 'second'; input.list.push(2);
    const b = api.demo.counter(input);
    input.tag = 'changed too late';
    await Promise.all([a, b]);
    const again = { tag: 'third' };
    const c = api.demo.counter(again);
    again.tag = 'changed too late';
    await c;
    return 'ok';`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(state.calls.map((call) => call.tag), ['first', 'second', 'third']);
  assert.deepEqual(state.calls.slice(0, 2).map((call) => call.list), [[1], [1, 2]]);
  assert.equal(state.calls[0].when, '1970-01-01T00:00:00.000Z', 'a Date crosses as its JSON text, as it would on the wire');
});

test('errors show no host path and no host frame', async () => {
  const result = await run('const x = 1;\nawait api.demo.boom({});');
  assert.equal(result.status, 'failed');
  assert.doesNotMatch(JSON.stringify(result.error), new RegExp(process.cwd().replace(/[/.]/g, '\\$&')));
  assert.doesNotMatch(result.error.stack, /node:internal|node_modules|isolated-vm|atp-runtime|file:\/\//);
  assert.match(result.error.message, /<server>\/src\/secret\.ts/);
  assert.equal(result.error.line, 2);
  assert.match(result.error.stack, /^Error: demo failure[^\n]*\n {4}at agent\.ts:2:\d+$/);
});

test('a program cannot reach or forge the runtime\'s internals', async () => {
  const result = await run(`
    const frozen = Object.isFrozen(atp) && Object.isFrozen(atp.llm);
    let replaced = false;
    try { atp.llm = null; } catch { replaced = 'threw'; }
    return { frozen, stillThere: typeof atp.llm.call, same: atp.api === api };`);
  assert.deepEqual(result.result, { frozen: true, stillThere: 'function', same: true });
});

test('100 concurrent executions each see only their own state', async () => {
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => run(`
    globalThis.mine = ${i};
    Object.prototype.owner = ${i};
    await api.demo.sleep({ ms: ${i % 7} });
    const r = await api.demo.echo({ i: ${i} });
    return [globalThis.mine, ({}).owner, r.i, Math.random() !== Math.random()];`)));
  results.forEach((result, i) => {
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.deepEqual(result.result, [i, i, i, true]);
  });
  assert.equal(new Set(results.map((r) => r.executionId)).size, 100);
});
