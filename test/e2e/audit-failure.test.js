// A failing audit sink through a real `atp serve` is never silent. A full disk (/dev/full behind the file sink):
// with onFailure reject an execution is refused before its code runs (the upstream never called); with continue
// executions complete, the loss is said once in the log and counted in /metrics. An HTTP sink whose endpoint
// fails after a pause: the resume is refused and the pause kept, and once the endpoint recovers it is answered;
// one that fails while an execution runs: its next tool call is not made, and it ends AUDIT_FAILED.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, call, openSession, startAtp, stopProcess } from './serve-harness.js';
import { startUpstream } from '../fixtures/openapi/upstream.js';

const LOSS = /audit events could not be delivered, and are lost/;
const losses = (text) => (text.match(new RegExp(LOSS.source, 'g')) ?? []).length;

function fullDisk() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-full-'));
  const file = path.join(dir, 'audit.jsonl');
  symlinkSync('/dev/full', file); // every write fails with ENOSPC, as on a full disk
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const shop = (upstream) => ({ name: 'shop', type: 'openapi', spec: path.join(ROOT, 'test/fixtures/openapi/shop.yaml'), baseUrl: `${upstream.origin}/v1` });

async function until(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a poll interval, not a wait for the condition
  }
}

test('onFailure reject on a full disk: the execution is refused with AUDIT_FAILED and its code never runs', async () => {
  const disk = fullDisk();
  const upstream = await startUpstream();
  const atp = await startAtp({ apis: [shop(upstream)], audit: { sinks: [{ type: 'file', path: disk.file, daily: false }], onFailure: 'reject' } }, { timeoutMs: 60_000 });
  try {
    const session = await openSession(atp.url);
    for (let i = 0; i < 3; i++) {
      const { status, body } = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: `return await api.shop.items.get({ itemId: 'a${i}' });` } });
      assert.equal(status, 200);
      assert.equal(body.status, 'failed', JSON.stringify(body));
      assert.equal(body.error.code, 'AUDIT_FAILED');
      assert.equal(body.error.retryable, true);
      assert.match(body.error.message, /the audit trail cannot be written: its start could not be recorded \(ENOSPC\), so the code did not run/);
      assert.doesNotMatch(body.error.message, /atp-audit-full/, 'no host path in the answer');
    }
    assert.equal(upstream.requests.length, 0, 'no code ran, so no upstream was called');
    assert.equal(losses(atp.stderr()), 1, 'the loss is said once, not per event');
    assert.match(atp.stderr(), /executions are refused until it writes again \(audit.onFailure: reject\)/);
  } finally {
    await atp.stop();
    await upstream.close();
    disk.remove();
  }
});

test('onFailure continue on a full disk: executions complete, the loss is logged once and counted in /metrics', async () => {
  const disk = fullDisk();
  const upstream = await startUpstream();
  const SCRAPE = 'scrape-token-audit-0042';
  const atp = await startAtp({
    apis: [shop(upstream)],
    audit: { sinks: [{ type: 'file', path: disk.file, daily: false }], onFailure: 'continue' },
    telemetry: { metrics: { prometheus: { token: SCRAPE } } },
  }, { timeoutMs: 60_000 });
  try {
    const session = await openSession(atp.url);
    for (let i = 0; i < 4; i++) {
      const { body } = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: `return (await api.shop.items.get({ itemId: 'a${i}' })).path;` } });
      assert.deepEqual([body.status, body.result], ['completed', `/v1/items/a${i}`], JSON.stringify(body));
    }
    assert.equal(upstream.requests.length, 4);
    // start, tool call and end of each: 12 events lost, counted as they fail
    const lost = await until('the lost events in /metrics', async () => {
      const text = await (await fetch(`${atp.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE}` } })).text();
      const found = /^atp_audit_events_lost(?:_total)?\{[^}]*atp_audit_sink="file"[^}]*\} (\d+)/m.exec(text);
      return found && Number(found[1]) >= 12 && Number(found[1]);
    });
    assert.equal(lost, 12);
    assert.equal(losses(atp.stderr()), 1, 'said once within the minute');
    assert.doesNotMatch(atp.stderr(), /executions are refused/);
  } finally {
    await atp.stop();
    await upstream.close();
    disk.remove();
  }
});

/** An audit endpoint whose answer the test switches: 204 (delivered) or 500 (failing). */
async function switchableEndpoint() {
  const state = { status: 204, events: [] };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (state.status === 204) state.events.push(...JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(state.status).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/events`, state, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

test('onFailure reject with an HTTP sink that fails after a pause: the resume is refused, the pause kept and answered later', async () => {
  const endpoint = await switchableEndpoint();
  const atp = await startAtp({ apis: [], audit: { sinks: [{ type: 'http', url: endpoint.url }], onFailure: 'reject' } }, { timeoutMs: 60_000 });
  try {
    const session = await openSession(atp.url, { services: { hasLLM: true } });
    const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return await atp.llm.call({ prompt: "wait" });' } });
    assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
    const id = paused.body.executionId;
    await until('the start and pause delivered', () => endpoint.state.events.some((event) => event.event === 'execution.pause'));

    endpoint.state.status = 500;
    const probe = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return 1' } });
    assert.equal(probe.body.status, 'completed', 'the sink has not failed yet: its last delivery went through');
    await until('the failed delivery in the log', () => LOSS.test(atp.stderr()));

    const refused = await call(`${atp.url}/api/resume/${id}`, { method: 'POST', headers: session.headers, body: { result: 'answer' } });
    assert.equal(refused.body.status, 'failed', JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'AUDIT_FAILED');
    assert.match(refused.body.error.message, /the audit sink http fails \(HTTP 500\), so this step was not taken; retry once it writes again/);

    endpoint.state.status = 204;
    // a new execution tries the sink (and is refused: the failure was known when it started); the delivery recovers it
    const tried = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return 2' } });
    assert.equal(tried.body.error?.code, 'AUDIT_FAILED');
    await until('the sink to write again', () => /the audit sink writes again/.test(atp.stderr()));
    const resumed = await call(`${atp.url}/api/resume/${id}`, { method: 'POST', headers: session.headers, body: { result: 'late answer' } });
    assert.deepEqual([resumed.body.status, resumed.body.result], ['completed', 'late answer'], JSON.stringify(resumed.body));

    assert.equal((await stopProcess(atp.child)).code, 0);
    const mine = endpoint.state.events.filter((event) => event.executionId === id).map((event) => event.event);
    assert.deepEqual(mine.slice(-3), ['execution.resume', 'llm.answer', 'execution.end'], 'the refused resume left no end behind');
    assert.equal(mine.filter((event) => event === 'execution.end').length, 1);
  } finally {
    await atp.stop();
    await endpoint.close();
  }
});

/** An OpenAPI upstream whose GET /hold answers only when the test says; GET /after answers at once. */
async function heldUpstream(dir) {
  const state = { paths: [], release: undefined };
  const server = createServer((req, res) => {
    state.paths.push(req.url);
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (req.url.startsWith('/hold')) state.release = answer;
    else answer();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const spec = path.join(dir, 'gate.json');
  writeFileSync(spec, JSON.stringify({
    openapi: '3.0.3', info: { title: 'gate', version: '1' }, servers: [{ url: `http://127.0.0.1:${server.address().port}` }],
    paths: {
      '/hold': { get: { operationId: 'hold', responses: { 200: { description: 'ok' } } } },
      '/after': { get: { operationId: 'after', responses: { 200: { description: 'ok' } } } },
    },
  }));
  return { spec, state, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

test('onFailure reject: a sink that fails while an execution runs stops it before its next tool call', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-audit-held-'));
  const upstream = await heldUpstream(dir);
  const endpoint = await switchableEndpoint();
  const atp = await startAtp({
    apis: [{ name: 'gate', type: 'openapi', spec: upstream.spec }],
    audit: { sinks: [{ type: 'http', url: endpoint.url }], onFailure: 'reject' },
  }, { timeoutMs: 60_000 });
  try {
    const session = await openSession(atp.url);
    const running = call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'await api.gate.hold(); return await api.gate.after();' } });
    await until('the first call to reach the upstream', () => upstream.state.release);
    await until('the start delivered', () => endpoint.state.events.some((event) => event.event === 'execution.start'));
    endpoint.state.status = 500;
    // another execution's events are what fails to be delivered
    const probe = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return 1' } });
    assert.equal(probe.body.status, 'completed');
    await until('the failed delivery in the log', () => LOSS.test(atp.stderr()));
    upstream.state.release();
    const { body } = await running;
    assert.equal(body.status, 'failed', JSON.stringify(body));
    assert.equal(body.error.code, 'AUDIT_FAILED');
    assert.match(body.error.message, /the audit sink http fails \(HTTP 500\), so this step was not taken/);
    assert.deepEqual(upstream.state.paths, ['/hold'], 'the call after the failure was not made');
  } finally {
    await atp.stop();
    await endpoint.close();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
