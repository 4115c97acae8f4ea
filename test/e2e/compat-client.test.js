// The official client (@mondaydotcomorg/atp-client) against `atp serve` as a real process: every check of
// REFERENCE-NOTES section 11, plus streaming, batches by id, a second resume refused, and __error answers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AgentToolProtocolClient } from '@mondaydotcomorg/atp-client';
// the client logs JSON lines to stdout through its runtime's logger; keep test output clean
import { initializeLogger } from '@mondaydotcomorg/atp-runtime';
import { startAtp, call, openSession } from './serve-harness.js';
import { startUpstream, compatApis } from './compat-fixtures.js';

initializeLogger({ level: 'none' });

let atp;
let upstream;
let client;
const llmCalls = [];
const approvals = [];

function vector(text) {
  return ['a', 'b', 'c'].map((letter) => [...text].filter((char) => char === letter).length);
}

before(async () => {
  upstream = await startUpstream();
  atp = await startAtp({ auth: { jwtSecret: 'compat-secret-compat-secret-compat-0001' }, policies: { requireApproval: ['math.multiply'] }, apis: compatApis(upstream.url) });
  client = new AgentToolProtocolClient({ baseUrl: atp.url });
  client.provideLLM({
    call: async (prompt, options) => {
      llmCalls.push([prompt, options]);
      return `FAKE:${prompt}`;
    },
    extract: async () => ({ name: 'Ada', age: 36 }),
    classify: async (_text, categories) => categories.at(-1),
  });
  client.provideApproval({
    request: async (message, context) => {
      approvals.push([message, context]);
      return { approved: !message.includes('deny'), timestamp: 1 };
    },
  });
  client.provideEmbedding({ embed: async (text) => vector(text) });
  client.provideTools([{
    name: 'localTime',
    description: 'The time in a zone',
    inputSchema: { type: 'object', properties: { tz: { type: 'string' } } },
    handler: async (input) => {
      if (input.tz === 'bad') throw new Error('bad tz');
      return { tz: input.tz, iso: '2026-01-01T00:00:00Z' };
    },
  }]);
  await client.init({ name: 'compat', version: '1' });
});

after(async () => {
  await atp?.stop();
  await upstream?.close();
});

test('1 init gives a client id and token', () => {
  assert.match(client.getClientId(), /^cli_[0-9a-f]{32}$/);
});

test('2-3 connect and type definitions, all groups and filtered', async () => {
  const connected = await client.connect();
  assert.deepEqual(connected.apiGroups, ['demo', 'math', 'shop']);
  assert.equal(typeof connected.serverVersion, 'string');
  const all = client.getTypeDefinitions();
  assert.match(all, /declare const api/);
  assert.match(all, /add\(/);
  assert.match(all, /multiply\(/);
  assert.match(all, /localTime\(/, 'client tools are declared too');
  await client.connect({ apiGroups: ['math'] });
  const filtered = client.getTypeDefinitions();
  assert.match(filtered, /multiply\(/);
  assert.doesNotMatch(filtered, /\badd\(/);
  await client.connect();
});

test('4 server info', async () => {
  const info = await client.getServerInfo();
  assert.equal(typeof info.version, 'string');
  assert.equal(info.capabilities.streaming, true);
  assert.equal(typeof info.limits.maxTimeout, 'number');
});

test('5 runtime definitions, by default and filtered', async () => {
  const text = await client.getRuntimeDefinitions();
  assert.match(text, /declare const atp/);
  assert.match(text, /llm: \{/);
  const llmOnly = await client.getRuntimeDefinitions({ apis: ['llm'] });
  assert.match(llmOnly, /llm: \{/);
  assert.doesNotMatch(llmOnly, /cache: \{/);
});

test('6-7 search, ranked and filtered', async () => {
  const results = await client.searchAPI('add numbers');
  assert.equal(results[0].apiGroup, 'demo');
  assert.equal(results[0].functionName, 'add');
  assert.equal(typeof results[0].signature, 'string');
  assert.equal(typeof results[0].relevanceScore, 'number');
  const filtered = await client.searchAPI('numbers', { apiGroups: ['math'], maxResults: 1 });
  assert.ok(filtered.length <= 1);
  assert.ok(filtered.every((result) => result.apiGroup === 'math'));
});

test('8-10 explore: directories and functions, every listed directory explorable, unknown path 404', async () => {
  const root = await client.exploreAPI('/');
  assert.equal(root.type, 'directory');
  const seen = [];
  const walk = async (node) => {
    for (const item of node.items) {
      const child = await client.exploreAPI(`${node.path === '/' ? '' : node.path}/${item.name}`);
      assert.equal(child.type, item.type, `${node.path}/${item.name}`);
      if (child.type === 'directory') await walk(child);
      else seen.push(child);
    }
  };
  await walk(root);
  const add = seen.find((fn) => fn.path === '/demo/add');
  assert.ok(add, 'reached /demo/add');
  for (const key of ['name', 'description', 'definition', 'group', 'path']) assert.equal(typeof add[key], 'string', key);
  await assert.rejects(client.exploreAPI('/no/such/path'), /Explore failed: 404/);
});

test('11 trivial execute', async () => {
  const result = await client.execute('return 1 + 1');
  assert.equal(result.status, 'completed');
  assert.equal(result.result, 2);
  assert.equal(typeof result.executionId, 'string');
  for (const key of ['duration', 'memoryUsed', 'llmCallsCount', 'approvalCallsCount']) assert.equal(typeof result.stats[key], 'number', key);
});

test('12 server tools: module, primitive result, OpenAPI', async () => {
  assert.deepEqual((await client.execute('return await api.demo.add({ a: 2, b: 3 })')).result, { sum: 5 });
  assert.equal((await client.execute('return await api.math.multiply({ a: 6, b: 7 })')).result, 42);
  const before = upstream.count('openapi');
  assert.deepEqual((await client.execute('return await api.shop.count({ tag: "openapi" })')).result, { tag: 'openapi', n: before + 1 });
});

test('13 failures: thrown error and failing tool', async () => {
  const thrown = await client.execute('throw new Error("custom failure")');
  assert.equal(thrown.status, 'failed');
  assert.match(thrown.error.message, /custom failure/);
  const tool = await client.execute('return await api.demo.boom({})');
  assert.equal(tool.status, 'failed');
  assert.match(tool.error.message, /demo failure from handler/);
});

test('14-15 parse error and timeout', async () => {
  const parse = await client.execute('return 1 +');
  assert.equal(parse.status, 'parse_error');
  assert.equal(parse.error.code, 'SYNTAX_ERROR');
  const timeout = await client.execute('while (true) {}', { timeout: 1000 });
  assert.equal(timeout.status, 'timeout');
  assert.equal(timeout.error.code, 'TIMEOUT_ERROR');
});

test('16 one LLM call, provider called once with prompt and options', async () => {
  llmCalls.length = 0;
  const result = await client.execute('return await atp.llm.call({ prompt: "hello", temperature: 0 })');
  assert.equal(result.status, 'completed');
  assert.equal(result.result, 'FAKE:hello');
  assert.equal(llmCalls.length, 1);
  assert.equal(llmCalls[0][0], 'hello');
  assert.equal(llmCalls[0][1].prompt, 'hello');
  assert.equal(llmCalls[0][1].temperature, 0);
});

test('17 a tool call then three LLM calls in a loop: the tool ran once', async () => {
  llmCalls.length = 0;
  const code = `
    const c = await api.demo.counter({ tag: "loop" });
    let s = "";
    for (let i = 0; i < 3; i++) s += (await atp.llm.call({ prompt: "p" + i })) + ";";
    const again = await api.shop.count({ tag: "loop17" });
    return { s, c, again };`;
  const before = (await client.execute('return await api.demo.counter({ tag: "probe" })')).result.hostCalls;
  const result = await client.execute(code);
  assert.equal(result.status, 'completed');
  assert.equal(result.result.s, 'FAKE:p0;FAKE:p1;FAKE:p2;');
  assert.equal(llmCalls.length, 3);
  assert.equal(result.result.c.hostCalls, before + 1);
  const after = (await client.execute('return await api.demo.counter({ tag: "probe" })')).result.hostCalls;
  assert.equal(after, before + 2, 'counter ran exactly once in the paused execution');
  assert.equal(upstream.count('loop17'), 1);
});

test('18 extract and classify', async () => {
  const extracted = await client.execute('return await atp.llm.extract({ prompt: "who", schema: { type: "object" } })');
  assert.deepEqual(extracted.result, { name: 'Ada', age: 36 });
  const classified = await client.execute('return await atp.llm.classify({ text: "great", categories: ["neg", "pos"] })');
  assert.equal(classified.result, 'pos');
});

test('policies.requireApproval: the call pauses for the client\'s approval handler, then runs', async () => {
  approvals.length = 0;
  const result = await client.execute('const product = await api.math.multiply({ a: 6, b: 7 }); return { product, sum: (await api.demo.add({ a: 1, b: 1 })).sum };');
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { product: 42, sum: 2 });
  assert.equal(approvals.length, 1, 'only the gated function asked');
  assert.equal(approvals[0][0], 'Allow the call api.math.multiply?');
  assert.equal(approvals[0][1].function, 'api.math.multiply');
  assert.deepEqual(approvals[0][1].input, { a: 6, b: 7 });
  assert.equal(result.stats.approvalCallsCount, 1);
});

test('19 approvals: approve and deny', async () => {
  approvals.length = 0;
  const result = await client.execute(`
    const a = await atp.approval.request("Proceed?", { risk: "high" });
    const b = await atp.approval.request("please deny this");
    return [a.approved, b.approved];`);
  assert.deepEqual(result.result, [true, false]);
  assert.equal(approvals[0][0], 'Proceed?');
  assert.equal(approvals[0][1].risk, 'high');
  assert.equal(typeof approvals[0][1].executionId, 'string');
});

test('20 embeddings: embed twice, search ranks by cosine similarity', async () => {
  const result = await client.execute(`
    await atp.embedding.embed("aaa");
    await atp.embedding.embed("bbb");
    return await atp.embedding.search("aab", { topK: 2 });`);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  const hits = result.result;
  assert.equal(hits.length, 2);
  assert.equal(hits[0].text, 'aaa');
  assert.ok(hits[0].similarity > hits[1].similarity);
});

test('21 client tools: result, and a thrown error caught in the sandbox', async () => {
  const ok = await client.execute('return await api.client.localTime({ tz: "UTC" })');
  assert.deepEqual(ok.result, { tz: 'UTC', iso: '2026-01-01T00:00:00Z' });
  const caught = await client.execute('try { await api.client.localTime({ tz: "bad" }); return "no" } catch (e) { return "caught " + e.message }');
  assert.equal(caught.result, 'caught bad tz');
});

test('22 three LLM calls in Promise.all (a batch)', async () => {
  llmCalls.length = 0;
  const result = await client.execute('return await Promise.all([atp.llm.call({ prompt: "a" }), atp.llm.call({ prompt: "b" }), atp.llm.call({ prompt: "c" })])');
  assert.deepEqual(result.result, ['FAKE:a', 'FAKE:b', 'FAKE:c']);
  assert.equal(llmCalls.length, 3);
});

test('23 for...of with awaited LLM calls keeps the loop body', async () => {
  const result = await client.execute('const out = []; for (const p of ["x", "y"]) out.push(await atp.llm.call({ prompt: p })); return out');
  assert.deepEqual(result.result, ['FAKE:x', 'FAKE:y']);
});

test('24 cache set and get', async () => {
  const result = await client.execute('await atp.cache.set("k", { v: 1 }); return await atp.cache.get("k")');
  assert.deepEqual(result.result, { v: 1 });
});

test('25 a client without an LLM provider: the call throws in the sandbox', async () => {
  const bare = new AgentToolProtocolClient({ baseUrl: atp.url });
  await bare.init({ name: 'bare' });
  const result = await bare.execute('return await atp.llm.call({ prompt: "x" })');
  assert.equal(result.status, 'failed');
  assert.match(result.error.message, /llm service not provided by client/);
  const caught = await bare.execute('try { await atp.llm.call({ prompt: "x" }) } catch (e) { return "caught: " + e.message }');
  assert.match(caught.result, /^caught: llm service not provided by client/);
});

test('26 a foreign token is refused with a JSON error', async () => {
  const answer = await call(`${atp.url}/api/execute`, { method: 'POST', headers: { 'X-Client-ID': client.getClientId(), Authorization: 'Bearer nope' }, body: { code: 'return 1' } });
  assert.equal(answer.status, 401);
  assert.equal(typeof answer.body.error, 'string');
});

test('27 another client cannot resume a pause (404); its owner can', async () => {
  const b = await openSession(atp.url, { services: { hasLLM: true } });
  const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: b.headers, body: { code: 'return await atp.llm.call({ prompt: "secret" })', config: { clientServices: { hasLLM: true } } } });
  assert.equal(paused.body.status, 'paused');
  assert.equal(paused.body.needsCallback.type, 'llm');
  assert.equal(paused.body.needsCallback.payload.prompt, 'secret');
  await assert.rejects(client.resume(paused.body.executionId, 'stolen'), /Resume failed/);
  const raw = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: (await openSession(atp.url)).headers, body: { result: 'stolen' } });
  assert.equal(raw.status, 404);
  assert.match(raw.body.error, /^execution not found/);
  const mine = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: b.headers, body: { result: 'mine' } });
  assert.equal(mine.body.status, 'completed');
  assert.equal(mine.body.result, 'mine');
});

test('executeStream: progress events, then the result', async () => {
  const events = [];
  const progress = [];
  const result = await client.executeStream(
    'atp.progress.report("half", 0.5); atp.progress.report("done", 1); return await api.demo.add({ a: 1, b: 1 })',
    {},
    (event) => events.push(event.type),
    (message, fraction) => progress.push([message, fraction]),
  );
  assert.equal(result.status, 'completed');
  assert.deepEqual(result.result, { sum: 2 });
  assert.deepEqual(progress, [['half', 0.5], ['done', 1]]);
  assert.equal(events.at(-1), 'result');
});

test('a stream whose client goes away mid-execution does not disturb the server', async () => {
  const s = await openSession(atp.url);
  const controller = new AbortController();
  const response = await fetch(`${atp.url}/api/execute/stream`, {
    method: 'POST',
    headers: { ...s.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 'atp.progress.report("started", 0.1); const r = await api.shop.hold({ tag: "gone" }); atp.progress.report("after", 0.9); return r.tag' }),
    signal: controller.signal,
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = response.body.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^event: progress\ndata: \{"message":"started","fraction":0\.1/);
  await upstream.held();
  controller.abort();
  upstream.release();
  const after = await client.execute('return await api.demo.add({ a: 20, b: 22 })');
  assert.deepEqual(after.result, { sum: 42 });
});

test('batch answers are matched by id, in any order', async () => {
  const s = await openSession(atp.url, { services: { hasLLM: true } });
  const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: s.headers, body: { code: 'return await Promise.all([atp.llm.call({ prompt: "a" }), atp.llm.call({ prompt: "b" })])' } });
  assert.equal(paused.body.status, 'paused');
  const batch = paused.body.needsCallbacks;
  assert.equal(batch.length, 2);
  const answers = batch.map((cb) => ({ id: cb.id, result: `answer:${cb.payload.prompt}` })).reverse();
  const done = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: s.headers, body: { results: answers } });
  assert.deepEqual(done.body.result, ['answer:a', 'answer:b']);
});

test('an __error answer throws inside the sandbox', async () => {
  const s = await openSession(atp.url, { services: { hasLLM: true } });
  const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: s.headers, body: { code: 'try { await atp.llm.call({ prompt: "a" }) } catch (e) { return "caught: " + e.message }' } });
  const done = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: s.headers, body: { result: { __error: true, message: 'model overloaded' } } });
  assert.equal(done.body.result, 'caught: model overloaded');
});

test('a second resume of the same pause while the first runs is 409; a finished one is 404', async () => {
  const s = await openSession(atp.url, { services: { hasLLM: true } });
  const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: s.headers, body: { code: 'const a = await atp.llm.call({ prompt: "a" }); await api.shop.hold({ tag: "409" }); return a' } });
  const resume = () => call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: s.headers, body: { result: 'first' } });
  const first = resume();
  await upstream.held();
  const second = await resume();
  assert.equal(second.status, 409);
  assert.match(second.body.error, /already resumed/);
  upstream.release();
  assert.equal((await first).body.result, 'first');
  const third = await resume();
  assert.equal(third.status, 404);
});

test('the agent tools of getATPTools work against this server', async () => {
  const tools = Object.fromEntries(client.getATPTools().map((tool) => [tool.name, tool]));
  const search = JSON.parse(await tools.search_api.func({ query: 'multiply' }));
  assert.equal(search.success, true);
  assert.equal(search.results[0].functionName, 'multiply');
  const executed = JSON.parse(await tools.execute_code.func({ code: 'return 40 + 2' }));
  assert.equal(executed.success, true);
  assert.equal(executed.result, 42);
  const explored = JSON.parse(await tools.explore_api.func({ path: '/math' }));
  assert.equal(explored.success, true);
  assert.equal(explored.type, 'directory');
});
