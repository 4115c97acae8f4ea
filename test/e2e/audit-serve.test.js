// The audit trail through a real `atp serve`: one execution calling an OpenAPI, an MCP and a module function,
// logging, reporting progress and pausing for the client's LLM, recorded alike in a file sink and an HTTP
// sink, with every secret of the config and every secret-named field redacted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, call, failingAtp, openSession, startAtp, startCollector, stopProcess } from './serve-harness.js';
import { startUpstream } from '../fixtures/openapi/upstream.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const SHOP_TOKEN = 'shop-secret-token-5f2a9c';
const AUDIT_TOKEN = 'audit-collector-key-77d1e0';

test('one execution across three kinds of tool is recorded in a file and over HTTP, secrets redacted', async () => {
  const upstream = await startUpstream();
  const collector = await startCollector('/events', { status: 204 });
  const atp = await startAtp({
    apis: [
      { name: 'shop', type: 'openapi', spec: path.join(ROOT, 'test/fixtures/openapi/shop.yaml'), baseUrl: `${upstream.origin}/v1`, auth: { type: 'bearer', token: '${SHOP_TOKEN}' } },
      { name: 'everything', type: 'mcp', command: process.execPath, args: [everything, 'stdio'] },
      { name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') },
    ],
    audit: {
      sinks: [{ type: 'file', path: './audit/events.jsonl' }, { type: 'http', url: collector.url, headers: { Authorization: 'Bearer ${AUDIT_TOKEN}' } }],
      includeResults: true,
      redact: ['ssn'],
    },
  }, { env: { SHOP_TOKEN, AUDIT_TOKEN }, timeoutMs: 60_000 });
  try {
    const session = await openSession(atp.url, { clientInfo: { name: 'audit-test' }, services: { hasLLM: true } });
    const code = `
      const item = await api.shop.items.get({ itemId: 'a1' });
      const echoed = await api.everything.echo({ message: 'hello' });
      const sum = await api.math.add({ a: 1, b: 2 });
      let caught = '';
      try { await api.math.divide({ a: 1, b: 0 }); } catch (error) { caught = error.message; }
      atp.log.info('customer', { ssn: '123-45-6789', name: 'Ada' });
      atp.progress.report('half way', 0.5);
      const answer = await atp.llm.call({ prompt: 'summarize' });
      return { sent: item.headers.authorization === 'Bearer [redacted]', echoed: JSON.stringify(echoed).includes('hello'), sum, caught, answer };
    `;
    const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code } });
    assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
    const done = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: session.headers, body: { result: 'short' } });
    assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
    assert.deepEqual(done.body.result, { sent: true, echoed: true, sum: 3, caught: done.body.result.caught, answer: 'short' });
    assert.equal(upstream.requests.at(-1).headers.authorization, `Bearer ${SHOP_TOKEN}`, 'the upstream got the token; agent code saw it masked');
    assert.match(done.body.result.caught, /cannot divide by zero/);

    assert.equal((await stopProcess(atp.child)).code, 0); // shutdown delivers what is still buffered
    const lines = readFileSync(path.join(atp.dir, 'audit/events.jsonl'), 'utf8').trim().split('\n');
    const fromFile = lines.map((line) => JSON.parse(line));
    const overHttp = collector.requests.flatMap((request) => request.body);
    assert.deepEqual(overHttp, fromFile, 'both sinks got the same events in the same order');
    for (const request of collector.requests) {
      assert.equal(request.headers.authorization, `Bearer ${AUDIT_TOKEN}`);
      assert.equal(request.headers['content-type'], 'application/json');
    }

    const id = paused.body.executionId;
    const mine = fromFile.filter((event) => event.executionId === id);
    assert.ok(mine.every((event) => event.clientId === session.clientId && !Number.isNaN(Date.parse(event.time))));
    assert.deepEqual(mine.map((event) => event.event), [
      'execution.start', 'tool.call', 'tool.call', 'tool.call', 'tool.call', 'execution.log', 'execution.progress',
      'execution.pause', 'execution.resume', 'llm.answer', 'execution.end',
    ]);
    const [start, getItem, echo, add, divide, log, progress, pause, resume, answer, end] = mine;
    assert.ok(mine.every((event) => event.v === 1 && typeof event.instance === 'string'), 'every event has the version and the instance');
    assert.equal(start.code, code.replaceAll(SHOP_TOKEN, '[redacted]'), 'the code is recorded, with the secret it holds cut out');
    assert.deepEqual(
      [getItem, echo, add, divide].map(({ function: fn, group, kind, source, outcome }) => ({ fn, group, kind, source, outcome })),
      [
        { fn: 'shop.items.get', group: 'shop', kind: 'openapi', source: 'items/get', outcome: 'ok' },
        { fn: 'everything.echo', group: 'everything', kind: 'mcp', source: 'echo', outcome: 'ok' },
        { fn: 'math.add', group: 'math', kind: 'module', source: 'add', outcome: 'ok' },
        { fn: 'math.divide', group: 'math', kind: 'module', source: 'divide', outcome: 'error' },
      ],
    );
    assert.deepEqual(getItem.input, { itemId: 'a1' });
    assert.equal(getItem.result.path, '/v1/items/a1', 'results are recorded (includeResults)');
    assert.equal(getItem.result.headers.authorization, '[redacted]');
    assert.deepEqual(add.input, { a: 1, b: 2 });
    assert.equal(add.result, 3);
    assert.match(divide.error.message, /cannot divide by zero/);
    assert.equal(divide.result, undefined);
    for (const event of [getItem, echo, add, divide]) assert.ok(typeof event.ms === 'number' && event.ms >= 0);
    assert.equal(log.level, 'info');
    assert.equal(log.message, 'customer');
    assert.deepEqual(log.data, { ssn: '[redacted]', name: 'Ada' });
    assert.doesNotMatch(JSON.stringify(log), /123-45-6789/, 'a field named in audit.redact is redacted, also inside log data');
    assert.deepEqual({ message: progress.message, fraction: progress.fraction }, { message: 'half way', fraction: 0.5 });
    assert.deepEqual(pause.callbacks.map(({ type, operation }) => ({ type, operation })), [{ type: 'llm', operation: 'call' }]);
    assert.equal(pause.callbacks[0].payload.prompt, 'summarize');
    assert.equal(resume.mode, 'live');
    assert.deepEqual(
      { callbackId: answer.callbackId, operation: answer.operation, answeredBy: answer.answeredBy, answer: answer.answer, text: answer.text },
      { callbackId: 'cb_' + answer.callbackId.slice(3), operation: 'call', answeredBy: { clientId: session.clientId }, answer: { type: 'string', chars: 5 }, text: 'short' },
    );
    assert.equal(end.status, 'completed');
    assert.equal(end.result.answer, 'short');
    assert.equal(end.llmCalls, 1);

    for (const line of lines) {
      assert.ok(!line.includes(SHOP_TOKEN) && !line.includes(AUDIT_TOKEN), `no secret in ${line.slice(0, 200)}`);
    }
    assert.ok(lines.some((line) => line.includes('[redacted]')));
  } finally {
    await atp.stop();
    await collector.close();
    await upstream.close();
  }
});

test('an audit file that cannot be opened stops start-up with a message naming it', async () => {
  const { code, stderr } = await failingAtp({ apis: [], audit: { sinks: [{ type: 'file', path: '/dev/null/audit.jsonl' }] } });
  assert.notEqual(code, 0);
  assert.match(stderr, /audit sink file \/dev\/null\/audit\.jsonl cannot be opened: (ENOTDIR|EEXIST)/);
});
