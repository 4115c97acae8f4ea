// Two executors (two "instances") sharing a real Redis: pause on A, resume on B by replay with no tool call
// repeated; one answer per pause even when both instances are asked at once; a stale live copy steps aside.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { ExecutionNotFoundError, ResumeConflictError } from '../../dist/execution/index.js';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';
import { openStore } from '../../dist/store/index.js';
import { demoState, makeExecutor, request } from '../unit/execution-harness.js';
import { serviceMissing } from '../services.js';
import { until } from './mcp-helpers.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
let redis;
let url;
const closers = [];

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function redisAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => { socket.destroy(); resolve(String(data).startsWith('+PONG')); });
    socket.once('error', () => resolve(false));
  });
}

before(async () => {
  if (!hasRedis) return;
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(port))) {
    if (Date.now() > deadline) throw new Error('redis-server did not start within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  url = `redis://127.0.0.1:${port}`;
});

after(async () => {
  await Promise.all(closers.map((close) => close()));
  redis?.kill('SIGTERM');
});

/**
 * An executor whose state lives in the shared Redis: through src/store, the way `atp serve` wires it (the
 * store's atomic claim), or (viaStore false) a plain @keyv/redis Keyv, where the executor uses SET NX itself.
 */
async function instance(state, { viaStore = true } = {}) {
  const store = viaStore ? await openStore(url, { namespace: 'atp-test:state' }) : undefined;
  const keyv = store ? store.keyv : new Keyv(new KeyvRedis(url), { namespace: 'atp-test-raw' });
  const { executor } = makeExecutor({ state, stateStore: keyv, yaml: 'execution:\n  pool: 1\n' });
  closers.push(async () => { await executor.close(); if (store) await store.close(); else await keyv.disconnect(); });
  return executor;
}

/** Skips the test without redis-server, fails it in CI; true when the test can run. */
const redisHere = (t) => hasRedis || serviceMissing(t, 'redis-server');

test('pause on A, resume on B: the tool called before the pause ran once', async (t) => {
  if (!redisHere(t)) return;
  const shared = demoState();
  const a = await instance(shared);
  const b = await instance(shared);
  const first = await a.execute(request(`
    const before = await api.demo.counter({ tag: 'before' });
    const answer = await atp.llm.call({ prompt: 'p' + before.count });
    const after = await api.demo.counter({ tag: 'after' });
    return { before: before.count, answer, after: after.count, random: Math.random() < 1 };`));
  assert.equal(first.status, 'paused');
  assert.equal(first.needsCallback.payload.prompt, 'p1');
  const result = await b.resume(first.executionId, 'client-a', { result: 'from B' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { before: 1, answer: 'from B', after: 2, random: true });
  assert.deepEqual(shared.calls.map((c) => c.tag), ['before', 'after']);
  await assert.rejects(a.resume(first.executionId, 'client-a', { result: 'again' }), ExecutionNotFoundError);
});

for (const viaStore of [true, false]) test(`the same pause asked on A and B at once: one answer wins, the other is refused (${viaStore ? 'store claim' : 'SET NX on a plain Redis Keyv'})`, async (t) => {
  if (!redisHere(t)) return;
  const shared = demoState();
  const a = await instance(shared, { viaStore });
  const b = await instance(shared, { viaStore });
  const first = await a.execute(request('await api.demo.counter({ tag: "x" }); return await atp.llm.call("q");'));
  const outcomes = await Promise.allSettled([
    a.resume(first.executionId, 'client-a', { result: 'A' }),
    b.resume(first.executionId, 'client-a', { result: 'B' }),
  ]);
  const won = outcomes.filter((o) => o.status === 'fulfilled');
  const lost = outcomes.filter((o) => o.status === 'rejected');
  assert.equal(won.length, 1);
  assert.equal(lost.length, 1);
  // the loser asked while the winner ran (409), or after the winner had already finished (404): both say no
  assert.ok(lost[0].reason instanceof ResumeConflictError || lost[0].reason instanceof ExecutionNotFoundError, String(lost[0].reason));
  assert.ok(['A', 'B'].includes(won[0].value.result));
  assert.equal(shared.counter, 1);
});

test('a stale live copy on A steps aside when the execution moved on through B', async (t) => {
  if (!redisHere(t)) return;
  const shared = demoState();
  const a = await instance(shared);
  const b = await instance(shared);
  const first = await a.execute(request(`
    const c = await api.demo.counter({ tag: 'start' });
    const one = await atp.llm.call('one');
    const two = await atp.llm.call('two:' + one);
    return { c: c.count, one, two };`));
  const second = await b.resume(first.executionId, 'client-a', { result: 'B1' });
  assert.equal(second.status, 'paused');
  assert.equal(second.needsCallback.payload.prompt, 'two:B1');
  // A still holds its isolate at the first pause; the client now answers the second pause on A
  const result = await a.resume(first.executionId, 'client-a', { result: 'A2' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { c: 1, one: 'B1', two: 'A2' });
  assert.equal(shared.counter, 1);
});

/** How many keys in the Redis mention `text` (KEYS, fine on a test server). */
async function keysMentioning(text) {
  const port = Number(new URL(url).port);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.once('connect', () => socket.write(`KEYS *${text}*\r\n`));
    socket.on('data', (data) => {
      reply += data;
      const count = /^\*(\d+)\r\n/.exec(reply);
      if (!count) return;
      const lines = reply.split('\r\n').length - 1;
      if (lines >= 1 + 2 * Number(count[1])) { socket.destroy(); resolve(Number(count[1])); }
    });
    socket.once('error', reject);
  });
}

for (const viaStore of [true, false]) test(`a finished execution leaves no key in Redis, claims included (${viaStore ? 'store claim' : 'SET NX on a plain Redis Keyv'})`, async (t) => {
  if (!redisHere(t)) return;
  const shared = demoState();
  const a = await instance(shared, { viaStore });
  const b = await instance(shared, { viaStore });
  const first = await a.execute(request(`
    const one = await atp.llm.call('one');
    const two = await atp.llm.call('two');
    return one + two;`));
  assert.ok((await keysMentioning(first.executionId)) > 0, 'a paused execution is in Redis');
  const second = await a.resume(first.executionId, 'client-a', { result: 'A' });
  assert.equal(second.status, 'paused');
  const result = await b.resume(first.executionId, 'client-a', { result: 'B' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  // removal runs after the result is sent: wait for it
  await until(async () => (await keysMentioning(first.executionId)) === 0, 'the execution\'s keys to leave Redis');
  // A's live copy of the first pause is stale, and its claim is gone with the rest: still no second answer
  await assert.rejects(a.resume(first.executionId, 'client-a', { result: 'late' }), ExecutionNotFoundError);
});
