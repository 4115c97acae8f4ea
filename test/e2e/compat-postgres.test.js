// The SQL state store: two `atp serve` processes sharing one real Postgres (for those without Redis).
// A pause taken on A resumes on B, also after A was killed with SIGKILL; no tool call runs twice.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAtpPair, startPostgres, call, openSession } from './serve-harness.js';
import { serviceMissing } from '../services.js';
import { startUpstream, compatApis } from './compat-fixtures.js';

let postgres;
let upstream;
let a;
let b;

before(async () => {
  postgres = await startPostgres();
  if (!postgres) return;
  upstream = await startUpstream();
  const config = { auth: { jwtSecret: 'pg-shared-secret-pg-shared-secret-0001' }, state: { store: postgres.url }, cache: { store: postgres.url }, apis: compatApis(upstream.url) };
  [a, b] = await startAtpPair(config);
});

after(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await upstream?.close();
  await postgres?.stop();
});

const skip = (t) => {
  if (postgres) return false;
  serviceMissing(t, 'Postgres');
  return true;
};

const execute = (instance, session, code) => call(`${instance.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code, config: { clientServices: { hasLLM: true } } } });
const resume = (instance, session, id, result) => call(`${instance.url}/api/resume/${id}`, { method: 'POST', headers: session.headers, body: { result } });

test('pause on A, resume on B, then kill -9 A and finish on B: each tool call ran once', async (t) => {
  if (skip(t)) return;
  assert.match(a.stderr(), /state store postgres:\/\/atp@127\.0\.0\.1:\d+\/postgres \(shared\)/);
  const session = await openSession(a.url, { services: { hasLLM: true } });
  const code = `
    const first = await api.shop.count({ tag: "pg-1" });
    const x = await atp.llm.call({ prompt: "one" });
    const second = await api.shop.count({ tag: "pg-2" });
    const y = await atp.llm.call({ prompt: "two" });
    await atp.cache.set("pg", (await atp.cache.get("pg") ?? 0) + 1);
    return { x, y, first: first.n, second: second.n, cache: await atp.cache.get("pg") };`;
  const paused = await execute(a, session, code);
  assert.equal(paused.body.status, 'paused');
  const again = await resume(b, session, paused.body.executionId, 'X');
  assert.equal(again.body.status, 'paused', JSON.stringify(again.body));
  const { signal } = await a.stop('SIGKILL');
  assert.equal(signal, 'SIGKILL');
  const done = await resume(b, session, paused.body.executionId, 'Y');
  assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
  assert.deepEqual(done.body.result, { x: 'X', y: 'Y', first: 1, second: 1, cache: 1 });
  assert.equal(upstream.count('pg-1'), 1);
  assert.equal(upstream.count('pg-2'), 1);
});

test('with Postgres gone, the daemons keep running and answer 503 with a retry hint', async (t) => {
  if (skip(t)) return;
  await postgres.stop();
  const answer = await call(`${b.url}/api/init`, { method: 'POST', body: {} });
  assert.equal(answer.status, 503);
  assert.equal(answer.body.error, 'the state store is unavailable; retry shortly');
  assert.equal((await call(`${b.url}/healthz`)).status, 200);
  assert.equal(b.child.exitCode, null);
});
