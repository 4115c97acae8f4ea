// Which instance resumed: two `atp serve` sharing a Redis state store, each with its own audit file and
// instanceId. An execution paused on A and answered on B is resumed by replay on B, and B's file says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, openSession, startAtp, startRedis, stopProcess } from './serve-harness.js';
import { serviceMissing } from '../services.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('paused on A, resumed on B: B records the replayed resume, its instance and the answer', async (t) => {
  const redis = await startRedis();
  if (!redis) return serviceMissing(t, 'redis-server');
  const config = (instanceId) => ({
    auth: { jwtSecret: 'audit-instances-secret-0123456789abcdef' },
    state: { store: redis.url },
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    audit: { sinks: [{ type: 'file', path: './audit.jsonl' }], instanceId },
  });
  const a = await startAtp(config('atp-a'), { timeoutMs: 60_000 });
  let b;
  try {
    b = await startAtp(config('atp-b'), { timeoutMs: 60_000 });
    const session = await openSession(a.url, { services: { hasLLM: true } });
    const paused = await call(`${a.url}/api/execute`, {
      method: 'POST', headers: session.headers,
      body: { code: 'const n = await api.math.add({ a: 1, b: 2 }); const text = await atp.llm.call({ prompt: "p" }); return { n, text };' },
    });
    assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
    const done = await call(`${b.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: session.headers, body: { result: 'from B' } });
    assert.deepEqual([done.body.status, done.body.result], ['completed', { n: 3, text: 'from B' }], JSON.stringify(done.body));

    await Promise.all([stopProcess(a.child), stopProcess(b.child)]);
    const events = (dir) => readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
      .filter((event) => event.executionId === paused.body.executionId);
    const onA = events(a.dir);
    const onB = events(b.dir);
    assert.deepEqual(onA.map((event) => [event.event, event.instance]), [['execution.start', 'atp-a'], ['tool.call', 'atp-a'], ['execution.pause', 'atp-a']]);
    assert.deepEqual(onB.map((event) => [event.event, event.instance]), [['execution.resume', 'atp-b'], ['llm.answer', 'atp-b'], ['execution.end', 'atp-b']],
      'the replay answers the tool call from the journal: no second tool.call');
    assert.equal(onB[0].mode, 'replay');
    assert.deepEqual(onB[1].answer, { type: 'string', chars: 6 });
    assert.deepEqual(onB[1].answeredBy, { clientId: session.clientId });
  } finally {
    await b?.stop();
    await a.stop();
    await redis.stop();
  }
});
