// Tracing through a real `atp serve`: an OTLP/HTTP collector on loopback receives the spans of a request
// that continues the client's trace, of an execution's two runs (execute, then resume after a pause) and of
// its tool calls, with the collector's header from the config and no input or result in any span.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, openSession, startAtp, startCollector, stopProcess } from './serve-harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const COLLECTOR_KEY = 'collector-key-3e9b1f';
const SECRET_INPUT = 'do-not-trace-me-51c7';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

/** Every span the collector received, with its resource's attributes, attributes flattened to plain values. */
function spansOf(requests) {
  const value = (v) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue ?? v.boolValue);
  const flat = (attributes = []) => Object.fromEntries(attributes.map((a) => [a.key, value(a.value)]));
  return requests.flatMap((request) => request.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({
    ...span, attributes: flat(span.attributes), resource: flat(rs.resource.attributes),
  })))));
}

test('a request, its execution runs and tool calls become one trace, continued from the client\'s traceparent', async () => {
  const collector = await startCollector('/v1/traces');
  const atp = await startAtp({
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    telemetry: { endpoint: collector.url, serviceName: 'atp-trace-test', headers: { 'x-collector-key': '${COLLECTOR_KEY}' } },
  }, { env: { COLLECTOR_KEY } });
  try {
    assert.doesNotMatch(atp.stderr(), /telemetry/, 'no warning that telemetry is not in effect');
    const session = await openSession(atp.url, { clientInfo: { name: 'trace-test' }, services: { hasLLM: true } });
    const code = `
      const sum = await api.math.add({ a: 1, b: 2 });
      let caught = '';
      try { await api.math.divide({ a: 1, b: 0 }); } catch (error) { caught = error.message; }
      const answer = await atp.llm.call({ prompt: '${SECRET_INPUT}' });
      const after = await api.math.add({ a: sum, b: 10 });
      return { sum, caught, answer, after };`;
    const traceparent = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
    const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: { ...session.headers, traceparent }, body: { code } });
    assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
    const id = paused.body.executionId;
    const done = await call(`${atp.url}/api/resume/${id}`, { method: 'POST', headers: session.headers, body: { result: 'fine' } });
    assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
    assert.deepEqual(done.body.result, { sum: 3, caught: 'cannot divide by zero', answer: 'fine', after: 13 });

    assert.equal((await stopProcess(atp.child)).code, 0); // shutdown sends what is still buffered
    assert.ok(collector.requests.length > 0, 'the collector received spans');
    for (const request of collector.requests) {
      assert.equal(request.path, '/v1/traces');
      assert.equal(request.headers['x-collector-key'], COLLECTOR_KEY);
      assert.match(request.headers['content-type'], /^application\/json/);
    }
    const spans = spansOf(collector.requests);
    assert.ok(spans.every((span) => span.resource['service.name'] === 'atp-trace-test'));
    const exported = JSON.stringify(collector.requests.map((request) => request.body));
    assert.ok(!exported.includes(SECRET_INPUT) && !exported.includes('fine') && !exported.includes(session.token), 'no input, result or token in any span');

    // the execute request continues the client's trace; the execution's first run is its child
    const executeRequest = spans.find((span) => span.name === 'POST /api/execute');
    assert.equal(executeRequest.traceId, TRACE_ID);
    assert.equal(executeRequest.parentSpanId, CLIENT_SPAN);
    assert.equal(executeRequest.kind, 2); // SERVER
    assert.equal(executeRequest.attributes['http.response.status_code'], 200);
    assert.equal(executeRequest.attributes['http.route'], '/api/execute');
    const first = spans.find((span) => span.name === 'atp.execute');
    assert.equal(first.traceId, TRACE_ID);
    assert.equal(first.parentSpanId, executeRequest.spanId);
    assert.deepEqual([first.attributes['atp.execution.id'], first.attributes['atp.client.id'], first.attributes['atp.execution.status']], [id, session.clientId, 'paused']);

    // its tool calls are its children; the one that threw is an error with the message the code saw
    const calls = spans.filter((span) => span.name.startsWith('execute_tool ')).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    assert.deepEqual(calls.map((span) => span.name), ['execute_tool api.math.add', 'execute_tool api.math.divide', 'execute_tool api.math.add']);
    const [add, divide, addAfter] = calls;
    for (const span of [add, divide]) assert.equal(span.parentSpanId, first.spanId);
    assert.deepEqual(add.attributes, {
      'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'api.math.add', 'atp.group': 'math', 'atp.group.kind': 'module',
      'atp.tool.source': 'add', 'atp.execution.id': id,
    });
    assert.equal(add.status?.code ?? 0, 0);
    assert.equal(divide.status.code, 2); // ERROR
    assert.match(divide.status.message, /cannot divide by zero/);

    // the resume is a request of its own (a new trace: the client sent no traceparent), with the second run under it
    const resumeRequest = spans.find((span) => span.name === 'POST /api/resume/:executionId');
    assert.equal(resumeRequest.attributes['url.path'], `/api/resume/${id}`);
    const second = spans.find((span) => span.name === 'atp.resume');
    assert.equal(second.parentSpanId, resumeRequest.spanId);
    assert.equal(second.traceId, resumeRequest.traceId);
    assert.notEqual(resumeRequest.traceId, TRACE_ID);
    assert.equal(second.attributes['atp.execution.status'], 'completed');
    assert.equal(addAfter.parentSpanId, second.spanId);
  } finally {
    await atp.stop().catch(() => undefined);
    await collector.close();
  }
});

test('sampleRatio 0 exports nothing, and an unreachable collector is a warning, never a failed request', async () => {
  const collector = await startCollector('/v1/traces');
  const sampledOut = await startAtp({
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    telemetry: { endpoint: collector.url, sampleRatio: 0 },
  });
  // OpenTelemetry's own variables tune the batching and the exporter: here, fail fast
  const unreachable = await startAtp({
    apis: [{ name: 'math', type: 'module', module: path.join(here, '../fixtures/modules/math.js') }],
    telemetry: { endpoint: 'http://collector:pw-in-url-6d2e@127.0.0.1:9/v1/traces' },
  }, { env: { OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300' } });
  try {
    for (const atp of [sampledOut, unreachable]) {
      const session = await openSession(atp.url, { clientInfo: { name: 'trace-test' } });
      const done = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return await api.math.add({ a: 2, b: 2 });' } });
      assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
      assert.equal(done.body.result, 4);
    }
    assert.equal((await stopProcess(sampledOut.child)).code, 0);
    assert.deepEqual(collector.requests, []);
    assert.equal((await stopProcess(unreachable.child)).code, 0);
    assert.match(unreachable.stderr(), /telemetry: spans could not be sent \(connect ECONNREFUSED 127\.0\.0\.1:9\); check telemetry\.endpoint/);
    assert.doesNotMatch(unreachable.stderr(), /    at /, 'no stack trace in the log');
    assert.doesNotMatch(unreachable.stderr(), /pw-in-url-6d2e/, 'no credential from the endpoint URL in the log');
    assert.match(unreachable.stderr(), /endpoint=http:\/\/127\.0\.0\.1:9\/v1\/traces/);
  } finally {
    await sampledOut.stop().catch(() => undefined);
    await unreachable.stop().catch(() => undefined);
    await collector.close();
  }
});
