// Two `atp serve` processes sharing one real Redis: a pause taken on A is resumed on B, also after A was
// killed with SIGKILL; the upstream counts every tool call that reached it, proving none ran twice.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { AgentToolProtocolClient } from '@mondaydotcomorg/atp-client';
import { initializeLogger } from '@mondaydotcomorg/atp-runtime';
import { startAtp, startAtpPair, startRedis, call, openSession } from './serve-harness.js';
import { serviceMissing } from '../services.js';
import { startUpstream, compatApis } from './compat-fixtures.js';

initializeLogger({ level: 'none' });

const SECRET = 'redis-shared-secret-redis-shared-0001';
let redis;
let upstream;
let a;
let b;
let config;

before(async () => {
  redis = await startRedis();
  if (!redis) return;
  upstream = await startUpstream();
  const apis = compatApis(upstream.url);
  config = { auth: { jwtSecret: SECRET }, state: { store: redis.url }, cache: { store: redis.url }, apis };
  [a, b] = await startAtpPair(config);
});

after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await upstream?.close();
  await redis?.stop();
});

const skip = (t) => {
  if (redis) return false;
  serviceMissing(t, 'redis-server');
  return true;
};

const execute = (instance, session, code) => call(`${instance.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code, config: { clientServices: { hasLLM: true } } } });
const resume = (instance, session, id, result) => call(`${instance.url}/api/resume/${id}`, { method: 'POST', headers: session.headers, body: { result } });

test('both instances report the shared store', (t) => {
  if (skip(t)) return;
  for (const instance of [a, b]) assert.match(instance.stderr(), new RegExp(`state store ${redis.url.replace(/[.]/g, '\\.')} \\(shared\\)`));
});

test('a session opened on A works on B', async (t) => {
  if (skip(t)) return;
  const session = await openSession(a.url);
  const answer = await call(`${b.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return 6 * 7' } });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.result, 42);
});

test('pause on A, resume on B, then on A again: tool calls before the pauses run once', async (t) => {
  if (skip(t)) return;
  const session = await openSession(a.url, { services: { hasLLM: true } });
  const code = `
    const before = await api.shop.count({ tag: "hop-before" });
    const x = await atp.llm.call({ prompt: "one" });
    const middle = await api.shop.count({ tag: "hop-middle" });
    const y = await atp.llm.call({ prompt: "two" + x });
    const after = await api.shop.count({ tag: "hop-after" });
    return { before: before.n, middle: middle.n, after: after.n, x, y };`;
  const first = await execute(a, session, code);
  assert.equal(first.body.status, 'paused');
  assert.equal(first.body.needsCallback.payload.prompt, 'one');
  const second = await resume(b, session, first.body.executionId, 'X');
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.status, 'paused');
  assert.equal(second.body.needsCallback.payload.prompt, 'twoX');
  const third = await resume(a, session, first.body.executionId, 'Y');
  assert.equal(third.body.status, 'completed', JSON.stringify(third.body));
  assert.deepEqual(third.body.result, { before: 1, middle: 1, after: 1, x: 'X', y: 'Y' });
  assert.equal(upstream.count('hop-before'), 1);
  assert.equal(upstream.count('hop-middle'), 1);
  assert.equal(upstream.count('hop-after'), 1);
});

/** A load balancer in front of both instances: each request goes to the next one in turn. */
async function roundRobin(targets) {
  let next = 0;
  const seen = targets.map(() => 0);
  const server = http.createServer((req, res) => {
    const index = next++ % targets.length;
    seen[index]++;
    const target = new URL(targets[index]);
    const upstreamRequest = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamResponse) => {
      res.writeHead(upstreamResponse.statusCode, upstreamResponse.headers);
      upstreamResponse.pipe(res);
    });
    req.pipe(upstreamRequest);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

test('the official client behind a round-robin balancer: every pause resumes on the other instance', async (t) => {
  if (skip(t)) return;
  const balancer = await roundRobin([a.url, b.url]);
  try {
    const client = new AgentToolProtocolClient({ baseUrl: balancer.url });
    client.provideLLM({ call: async (prompt) => `<${prompt}>` });
    await client.init({ name: 'balanced' });
    const result = await client.execute(`
      const start = await api.shop.count({ tag: "balanced" });
      let text = "";
      for (let i = 0; i < 6; i++) text += await atp.llm.call({ prompt: String(i) });
      return { text, n: start.n };`);
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.deepEqual(result.result, { text: '<0><1><2><3><4><5>', n: 1 });
    assert.equal(upstream.count('balanced'), 1);
    assert.ok(balancer.seen[0] >= 3 && balancer.seen[1] >= 3, `requests per instance: ${balancer.seen}`);
  } finally {
    await balancer.close();
  }
});

test('SIGTERM B while paused: it exits 0 and the pause resumes on A', async (t) => {
  if (skip(t)) return;
  const session = await openSession(b.url, { services: { hasLLM: true } });
  const paused = await execute(b, session, 'const n = await api.shop.count({ tag: "term" }); const x = await atp.llm.call({ prompt: "q" }); return { x, n: n.n }');
  assert.equal(paused.body.status, 'paused');
  const { code } = await b.stop('SIGTERM');
  assert.equal(code, 0);
  const done = await resume(a, session, paused.body.executionId, 'after restart');
  assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
  assert.deepEqual(done.body.result, { x: 'after restart', n: 1 });
  assert.equal(upstream.count('term'), 1);
  // B comes back for the next test, on the same store
  b = await startAtp(config);
});

test('kill -9 A while paused; B resumes it without repeating a side effect', async (t) => {
  if (skip(t)) return;
  const session = await openSession(a.url, { services: { hasLLM: true } });
  const code = `
    const seen = (await atp.cache.get("kill-counter")) ?? 0;
    await atp.cache.set("kill-counter", seen + 1);
    const counted = await api.shop.count({ tag: "kill" });
    const answer = await atp.llm.call({ prompt: "survive?" });
    return { answer, n: counted.n, cache: await atp.cache.get("kill-counter") };`;
  const paused = await execute(a, session, code);
  assert.equal(paused.body.status, 'paused');
  const { signal } = await a.stop('SIGKILL');
  assert.equal(signal, 'SIGKILL');
  const done = await resume(b, session, paused.body.executionId, 'yes');
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
  assert.deepEqual(done.body.result, { answer: 'yes', n: 1, cache: 1 });
  assert.equal(upstream.count('kill'), 1);
  const again = await resume(b, session, paused.body.executionId, 'yes');
  assert.equal(again.status, 404);
});

test('with Redis gone, requests that need it get 503 and a retry hint, not a hang or a 500', async (t) => {
  if (skip(t)) return;
  await redis.stop();
  const answer = await call(`${b.url}/api/init`, { method: 'POST', body: {} });
  assert.equal(answer.status, 503);
  assert.equal(answer.body.error, 'the state store is unavailable; retry shortly');
  assert.match(b.stderr(), /POST \/api\/init failed: redis store at redis:\/\/127\.0\.0\.1:\d+ failed to write session:/);
  assert.equal((await call(`${b.url}/healthz`)).status, 200);
});
