// Metrics and trace context through a real `atp serve` and `atp exec`: an OTLP/HTTP collector on loopback receives
// the metrics (pushed, and pushed once more at shutdown) and the spans; /metrics answers Prometheus text behind its
// token, or on an address of its own; the OpenAPI and remote MCP upstreams see the trace id of the tool call's span.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, openSession, runAtp, startAtp, startCollector, stopProcess } from './serve-harness.js';
import { startUpstream } from '../fixtures/openapi/upstream.js';
import { startMcpHttpServer } from '../fixtures/mcp/http-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MATH = path.join(here, '../fixtures/modules/math.js');
const SHOP = path.join(here, '../fixtures/openapi/shop.yaml');
const SCRAPE_TOKEN = 'scrape-token-7f3a9c21e4b8';
const MCP_TOKEN = 'mcp-token-2b8e41f9a7';
const CLIENT_TRACE = '5c4b2a9e0d8f47a1b3c6d2e9f0a1b2c3';

/** Prometheus text as samples: [{ name, labels, value }]; throws on a line that is not a comment or a sample. */
function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`. */
function sampled(samples, name, labels = {}) {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** Every metric data point the collector received: { name, attributes, point }, attributes flattened. */
function metricPoints(requests) {
  const value = (v) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue ?? v.boolValue);
  const flat = (attributes = []) => Object.fromEntries(attributes.map((a) => [a.key, value(a.value)]));
  return requests.filter((r) => r.path === '/v1/metrics').flatMap((r) => r.body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((metric) => {
    const data = metric.sum ?? metric.gauge ?? metric.histogram;
    return data.dataPoints.map((point) => ({ name: metric.name, attributes: flat(point.attributes), point, resource: flat(rm.resource.attributes) }));
  }))));
}

function spansOf(requests) {
  const value = (v) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue ?? v.boolValue ?? v.arrayValue?.values.map(value));
  const flat = (attributes = []) => Object.fromEntries(attributes.map((a) => [a.key, value(a.value)]));
  return requests.filter((r) => r.path === '/v1/traces').flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({
    ...span, attributes: flat(span.attributes), links: span.links ?? [],
  })))));
}

/** The last point pushed of each series of a metric matching `attributes`: pushes are cumulative, the last holds the totals. */
function latest(points, name, attributes = {}) {
  const matching = points.filter((p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  if (matching.length === 0) return undefined;
  const last = new Map();
  for (const p of matching) last.set(JSON.stringify(p.attributes), p.point); // later requests come later
  return [...last.values()];
}

async function until(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10)); // a poll interval, not a wait for the condition
  }
}

const traceIdOf = (traceparent) => traceparent.split('-')[1];
const parentIdOf = (traceparent) => traceparent.split('-')[2];

test('metrics over OTLP and as Prometheus text; upstreams see the trace of the tool call that called them', async () => {
  const collector = await startCollector('/v1/traces');
  const upstream = await startUpstream();
  const mcp = await startMcpHttpServer({ token: MCP_TOKEN });
  const atp = await startAtp({
    apis: [
      { name: 'math', type: 'module', module: MATH },
      { name: 'shop', type: 'openapi', spec: SHOP, baseUrl: `${upstream.origin}/v1`, retries: 1 },
      { name: 'remote', type: 'mcp', url: mcp.url, headers: { Authorization: `Bearer ${MCP_TOKEN}` } },
    ],
    telemetry: {
      endpoint: collector.url, serviceName: 'atp-metrics-test', headers: { 'x-collector-key': 'k-19d2' },
      metrics: { otlp: true, interval: '200ms', prometheus: { token: '${SCRAPE_TOKEN}' } },
    },
  }, { env: { SCRAPE_TOKEN } });
  try {
    assert.match(atp.stderr(), /Prometheus metrics on http:\/\/127\.0\.0\.1:\d+\/metrics \(token required\)/);
    const scrape = (headers) => fetch(`${atp.url}/metrics`, { headers });
    // no token, a wrong one: refused, with nothing of the metrics
    for (const headers of [{}, { authorization: 'Bearer not-the-token-at-all' }, { authorization: SCRAPE_TOKEN }]) {
      const refused = await scrape(headers);
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.doesNotMatch(await refused.text(), /atp_/);
    }
    const scraped = async () => {
      const response = await scrape({ authorization: `Bearer ${SCRAPE_TOKEN}` });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await response.text());
    };
    const before = await scraped();
    assert.equal(sampled(before, 'atp_executions_total'), 0);
    assert.ok(sampled(before, 'atp_isolates_built_total') >= 1, 'isolates were built at start-up');

    const session = await openSession(atp.url, { clientInfo: { name: 'metrics-test' }, services: { hasLLM: true } });
    const execute = (code, headers = {}) => call(`${atp.url}/api/execute`, { method: 'POST', headers: { ...session.headers, ...headers }, body: { code } });
    const code = `
      const sum = await api.math.add({ a: 1, b: 2 });
      try { await api.math.divide({ a: 1, b: 0 }); } catch {}
      const retried = await api.shop.status.get({ code: 503, times: 1, key: 'metrics-1' });
      const remote = await api.remote.whoami({});
      const answer = await atp.llm.call({ prompt: 'go on?' });
      return { sum, retried: retried.path, remote, answer };`;
    // the client's trace, with a vendor's tracestate that must travel on to the upstreams
    const paused = await execute(code, { traceparent: `00-${CLIENT_TRACE}-00f067aa0ba902b7-01`, tracestate: 'vendor=opaque-7' });
    assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
    const done = await call(`${atp.url}/api/resume/${paused.body.executionId}`, { method: 'POST', headers: session.headers, body: { result: 'yes' } });
    assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
    assert.deepEqual(done.body.result, { sum: 3, retried: '/v1/status/503', remote: { mode: 'streamable' }, answer: 'yes' });
    const failed = await execute('throw new Error("on purpose")');
    assert.equal(failed.body.status, 'failed');

    // the counters moved by what happened
    const after = await scraped();
    assert.equal(sampled(after, 'atp_executions_total', { atp_execution_status: 'completed' }), 1);
    assert.equal(sampled(after, 'atp_executions_total', { atp_execution_status: 'failed' }), 1);
    assert.equal(sampled(after, 'atp_execution_pauses_total', { atp_callback_type: 'llm' }), 1);
    assert.equal(sampled(after, 'atp_tool_duration_count', { atp_group: 'math' }), 2);
    assert.equal(sampled(after, 'atp_tool_duration_count', { atp_group: 'shop' }), 1);
    assert.equal(sampled(after, 'atp_tool_duration_count', { atp_group: 'remote' }), 1);
    assert.equal(sampled(after, 'atp_tool_errors_total', { atp_group: 'math', error_type: 'other' }), 1);
    assert.equal(sampled(after, 'atp_upstream_retries_total', { atp_group: 'shop', atp_retry_reason: '503' }), 1);
    // tool calls per execution: 4 in the one that called, 0 in the one that threw
    assert.equal(sampled(after, 'atp_execution_tool_calls_count'), 2);
    assert.equal(sampled(after, 'atp_execution_tool_calls_sum'), 4);
    assert.equal(sampled(after, 'atp_execution_tool_calls_bucket', { le: '0' }), 1);
    assert.equal(sampled(after, 'atp_execution_duration_count', { atp_execution_status: 'completed' }), 1);
    assert.ok(sampled(after, 'atp_state_store_duration_count', { atp_store_operation: 'save_pause' }) >= 1);
    assert.equal(sampled(after, 'atp_executions_running'), 0);
    assert.equal(sampled(after, 'atp_executions_queued'), 0);

    assert.equal((await stopProcess(atp.child)).code, 0); // the last push goes out at shutdown
    for (const request of collector.requests) {
      assert.equal(request.headers['x-collector-key'], 'k-19d2');
      assert.match(request.headers['content-type'], /^application\/json/);
    }
    const points = metricPoints(collector.requests);
    assert.ok(points.length > 0, 'the collector received metrics at /v1/metrics');
    assert.ok(points.every((p) => p.resource['service.name'] === 'atp-metrics-test'));
    const [completed] = latest(points, 'atp.executions', { 'atp.execution.status': 'completed' });
    assert.equal(Number(completed.asInt ?? completed.asDouble), 1);
    const [calls] = latest(points, 'atp.execution.tool_calls');
    assert.equal(Number(calls.count), 2);
    assert.equal(calls.sum, 4);
    const [shop] = latest(points, 'atp.tool.duration', { 'atp.group': 'shop' });
    assert.equal(Number(shop.count), 1);
    assert.ok(latest(points, 'atp.upstream.retries', { 'atp.group': 'shop', 'atp.retry.reason': '503' }));
    assert.ok(latest(points, 'atp.isolates.built'));
    assert.ok(latest(points, 'atp.executions.queued'));

    // the upstreams saw the trace context of the tool call's span
    const spans = spansOf(collector.requests);
    const span = (name) => spans.find((candidate) => candidate.name === name);
    const shopSpan = span('execute_tool api.shop.status.get');
    const attempts = upstream.requests.filter((r) => r.path === '/v1/status/503');
    assert.equal(attempts.length, 2, 'one failed attempt, one retry');
    assert.equal(shopSpan.traceId, CLIENT_TRACE);
    for (const attempt of attempts) {
      assert.equal(traceIdOf(attempt.headers.traceparent), shopSpan.traceId);
      assert.equal(parentIdOf(attempt.headers.traceparent), shopSpan.spanId);
      assert.equal(attempt.headers.tracestate, 'vendor=opaque-7');
    }
    const mcpSpan = span('execute_tool api.remote.whoami');
    assert.equal(mcp.state.traceparents.length, 1, 'only the tools/call request carried a trace context');
    assert.equal(traceIdOf(mcp.state.traceparents[0]), mcpSpan.traceId);
    assert.equal(parentIdOf(mcp.state.traceparents[0]), mcpSpan.spanId);

    // the wait for the LLM answer is a span under the run that paused, linked to the resume's run
    const firstRun = span('atp.execute');
    const resume = span('atp.resume');
    const pause = span('atp.pause');
    assert.deepEqual(firstRun.attributes['atp.pause.callbacks'], ['llm.call']);
    assert.equal(pause.traceId, firstRun.traceId);
    assert.equal(pause.parentSpanId, firstRun.spanId);
    assert.deepEqual(pause.attributes['atp.pause.callbacks'], ['llm.call']);
    assert.equal(pause.attributes['atp.pause.seq'], 1);
    assert.ok(BigInt(pause.startTimeUnixNano) <= BigInt(pause.endTimeUnixNano));
    assert.deepEqual(pause.links.map((link) => link.spanId), [resume.spanId]);
    assert.deepEqual(resume.links.map((link) => link.spanId), [pause.spanId]);
  } finally {
    await atp.stop().catch(() => undefined);
    await Promise.all([collector.close(), upstream.close(), mcp.close()]);
  }
});

test('/metrics on an address of its own; in flight per client; not on the API address, nor anywhere when off', async () => {
  const mcp = await startMcpHttpServer({ token: MCP_TOKEN });
  const atp = await startAtp({
    apis: [{ name: 'remote', type: 'mcp', url: mcp.url, headers: { Authorization: `Bearer ${MCP_TOKEN}` } }],
    telemetry: { metrics: { prometheus: { port: 0 }, topClients: 1 } },
  });
  const off = await startAtp({ apis: [{ name: 'math', type: 'module', module: MATH }] });
  try {
    const metricsUrl = /Prometheus metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(atp.stderr())?.[1];
    assert.ok(metricsUrl, atp.stderr());
    assert.notEqual(new URL(metricsUrl).port, new URL(atp.url).port);
    assert.equal((await fetch(`${atp.url}/metrics`)).status, 404, 'not served on the API address');
    assert.equal((await fetch(`${off.url}/metrics`)).status, 404, 'no /metrics unless configured');
    const scraped = async () => parsePrometheus(await (await fetch(metricsUrl)).text());

    // two clients with calls held at the upstream: the busier one by name, the other as "other"
    const busy = await openSession(atp.url, { clientInfo: { name: 'busy' } });
    const quiet = await openSession(atp.url, { clientInfo: { name: 'quiet' } });
    const hold = (session, i) => call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: `return await api.remote.hold({ i: ${i} });` } });
    const running = [hold(busy, 1), hold(busy, 2), hold(quiet, 3)];
    await until('three calls held at the upstream', () => mcp.state.inFlight === 3);
    const during = await scraped();
    assert.equal(sampled(during, 'atp_client_executions', { atp_client_id: busy.clientId }), 2);
    assert.equal(sampled(during, 'atp_client_executions', { atp_client_id: 'other' }), 1);
    assert.equal(during.filter((s) => s.name === 'atp_client_executions').length, 2, 'only the top client is named');
    assert.equal(sampled(during, 'atp_executions_running'), 3);
    for (const release of mcp.state.waiting.splice(0)) release();
    const results = await Promise.all(running);
    assert.deepEqual(results.map((r) => r.body.status), ['completed', 'completed', 'completed']);

    const afterwards = await scraped();
    assert.equal(afterwards.filter((s) => s.name === 'atp_client_executions').length, 0, 'clients with nothing in flight are not reported');
    assert.equal(sampled(afterwards, 'atp_executions_total', { atp_execution_status: 'completed' }), 3);
    assert.equal(sampled(afterwards, 'atp_execution_tool_calls_sum'), 3);
  } finally {
    await Promise.all([atp.stop().catch(() => undefined), off.stop().catch(() => undefined)]);
    await mcp.close();
  }
});

test('atp exec is traced when telemetry is configured, under the TRACEPARENT it was given, up to the upstream', async () => {
  const collector = await startCollector('/v1/traces');
  const upstream = await startUpstream();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-exec-trace-'));
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const parent = 'b7ad6b7169203331';
  try {
    const config = path.join(dir, 'atp.yaml');
    await writeFile(config, JSON.stringify({
      apis: [{ name: 'shop', type: 'openapi', spec: SHOP, baseUrl: `${upstream.origin}/v1` }],
      telemetry: { endpoint: collector.url },
    }));
    const { code, stdout, stderr } = await runAtp(['exec', '-c', config, '-'], {
      cwd: dir, stdin: 'return (await api.shop.items.get({ itemId: "a1" })).path;', env: { TRACEPARENT: `00-${traceId}-${parent}-01` },
    });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), '/v1/items/a1');
    const spans = spansOf(collector.requests);
    const run = spans.find((span) => span.name === 'atp.execute');
    const tool = spans.find((span) => span.name === 'execute_tool api.shop.items.get');
    assert.equal(run.traceId, traceId);
    assert.equal(run.parentSpanId, parent);
    assert.equal(tool.parentSpanId, run.spanId);
    const [request] = upstream.requests.filter((r) => r.path === '/v1/items/a1');
    assert.equal(request.headers.traceparent, `00-${traceId}-${tool.spanId}-01`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await Promise.all([collector.close(), upstream.close()]);
  }
});

test('a call that breaks a data-flow rule counts as a policy violation, by rule and action', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-metrics-policy-'));
  const module = path.join(dir, 'vault.js');
  await writeFile(module, `
    export const read = { description: 'A customer record', inputSchema: { type: 'object', properties: { owner: { type: 'string' } } },
      handler: ({ owner }) => ({ owner, note: 'account 4417-1234-5678-9113 flagged for review' }) };
    export const send = { description: 'Sends a message', inputSchema: { type: 'object', properties: { to: { type: 'string' }, body: { type: 'string' } } },
      handler: () => 'sent' };`);
  const atp = await startAtp({
    apis: [{ name: 'vault', type: 'module', module }],
    execution: { provenance: 'track' },
    policies: { sources: [{ functions: ['vault.read'], readers: ['owner'] }], rules: [{ rule: 'preventDataExfiltration', action: 'log' }] },
    telemetry: { metrics: { prometheus: { token: SCRAPE_TOKEN } } },
  });
  try {
    const session = await openSession(atp.url);
    const done = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: {
      code: `const record = await api.vault.read({ owner: 'ada' }); return await api.vault.send({ to: 'mallory', body: record.note });`,
    } });
    assert.equal(done.body.status, 'completed', JSON.stringify(done.body));
    const text = await (await fetch(`${atp.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
    const samples = parsePrometheus(text);
    assert.equal(sampled(samples, 'atp_policy_violations_total', { atp_policy_rule: 'preventDataExfiltration', atp_policy_action: 'log' }), 1, text);
  } finally {
    await atp.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a collector that cannot be reached is one warning per reason, without the URL\'s credentials or a stack', async () => {
  const atp = await startAtp({
    apis: [{ name: 'math', type: 'module', module: MATH }],
    telemetry: { metrics: { otlp: 'http://collector:pw-in-url-4c1e@127.0.0.1:9/v1/metrics', interval: '100ms' } },
  });
  try {
    const warning = /telemetry: metrics could not be sent \(connect ECONNREFUSED 127\.0\.0\.1:9\); check telemetry\.metrics\.otlp/;
    await until('a failed push', () => warning.test(atp.stderr()));
    assert.equal((await stopProcess(atp.child)).code, 0);
    assert.equal(atp.stderr().split('metrics could not be sent').length - 1, 1, 'said once for the same reason');
    assert.match(atp.stderr(), /endpoint=http:\/\/127\.0\.0\.1:9\/v1\/metrics/);
    assert.doesNotMatch(atp.stderr(), /pw-in-url-4c1e/);
    assert.doesNotMatch(atp.stderr(), /    at /, 'no stack trace in the log');
  } finally {
    await atp.stop().catch(() => undefined);
  }
});
