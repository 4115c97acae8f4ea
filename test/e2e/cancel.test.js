// Cancel through a real `atp serve`: POST /api/cancel/:id ends a running execution (its OpenAPI call in flight is
// aborted: the loopback upstream sees its connection closed; an MCP call is cancelled at the MCP server) or a
// paused one (a resume is then refused); another
// client gets 404; a client that drops its event stream cancels the execution unless it asked otherwise; the
// audit log says who cancelled.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startAtp, call, openSession } from './serve-harness.js';
import { until } from './mcp-helpers.js';

const SPEC = {
  openapi: '3.0.3',
  info: { title: 'slow', version: '1' },
  paths: {
    '/hang/{tag}': {
      get: {
        operationId: 'hang',
        parameters: [{ name: 'tag', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'never sent', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  },
};

const SCRAPE_TOKEN = 'cancel-test-scrape-token-0001';
let upstream;
let atp;
let dir;
const audit = () => (existsSync(path.join(atp.dir, 'audit.jsonl')) ? readFileSync(path.join(atp.dir, 'audit.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);

/** An upstream whose /hang/<tag> never answers; it records each request's tag, and whether its connection closed. */
function startHangingUpstream() {
  const requests = new Map();
  const server = createServer((req, res) => {
    const tag = decodeURIComponent(req.url.split('/').pop().split('?')[0]);
    const seen = { closed: false };
    requests.set(tag, seen);
    res.on('close', () => (seen.closed = true));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    origin: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(done); }),
  })));
}

before(async () => {
  upstream = await startHangingUpstream();
  dir = mkdtempSync(path.join(os.tmpdir(), 'atp-cancel-'));
  const spec = path.join(dir, 'slow.json');
  writeFileSync(spec, JSON.stringify(SPEC));
  atp = await startAtp({
    apis: [
      { name: 'slow', type: 'openapi', spec, baseUrl: upstream.origin, retries: 0, timeout: 60_000 },
      { name: 'local', type: 'mcp', command: process.execPath, args: [path.join(ROOT, 'test/fixtures/mcp/stdio-server.js')], timeout: 60_000, lazy: false },
    ],
    // one execution at a time per client, so that a second one waits in the queue
    execution: { timeout: 60_000, maxTimeout: 60_000, clientConcurrency: 1 },
    audit: { sinks: [{ type: 'file', path: './audit.jsonl' }] },
    telemetry: { metrics: { prometheus: { token: SCRAPE_TOKEN } } },
  });
});

after(async () => {
  await atp?.stop();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * POST /api/execute/stream by hand: resolves with the execution id from the X-ATP-Execution-Id header, a
 * promise of the events read until the stream ends, and `drop()` to close the connection as a client that
 * goes away.
 */
function stream(session, code, config = {}) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ code, config });
    const req = httpRequest(`${atp.url}/api/execute/stream`, {
      method: 'POST',
      headers: { ...session.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      let text = '';
      const events = [];
      let endStream;
      const ended = new Promise((done) => (endStream = done));
      const id = res.headers['x-atp-execution-id'];
      if (!/^exe_/.test(id ?? '')) return reject(new Error(`no execution id in the stream's headers: ${JSON.stringify(res.headers)}`));
      resolve({ id, ended, events, drop: () => req.destroy() });
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        let cut;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const [eventLine, dataLine] = text.slice(0, cut).split('\n');
          text = text.slice(cut + 2);
          const event = { type: eventLine.slice('event: '.length), data: JSON.parse(dataLine.slice('data: '.length)) };
          events.push(event);
        }
      });
      res.on('end', () => endStream(events));
      res.on('close', () => endStream(events));
    });
    req.end(body);
  });
}

const cancel = (session, id) => call(`${atp.url}/api/cancel/${id}`, { method: 'POST', headers: session.headers });

test('a running execution is cancelled: the upstream call in flight is closed, the stream ends with status cancelled', async () => {
  const owner = await openSession(atp.url);
  const other = await openSession(atp.url);
  const run = await stream(owner, `await api.slow.hang({ tag: 'running' }); return 'not reached';`);
  await until(() => upstream.requests.get('running'), 'the upstream call to arrive');

  const foreign = await cancel(other, run.id);
  assert.equal(foreign.status, 404, 'another client cannot cancel it');
  assert.match(foreign.body.error, /execution not found/);
  assert.equal(upstream.requests.get('running').closed, false, 'and the call goes on');

  const answer = await cancel(owner, run.id);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.status, 'cancelled');
  assert.equal(answer.body.executionId, run.id);
  await until(() => upstream.requests.get('running').closed, 'the upstream to see its connection closed');
  const events = await run.ended;
  const result = events.find((event) => event.type === 'result');
  assert.equal(result.data.status, 'cancelled');
  assert.equal(result.data.error.code, 'EXECUTION_CANCELLED');

  const ended = await until(() => audit().find((event) => event.event === 'execution.end' && event.executionId === run.id), 'the audit end event');
  assert.equal(ended.status, 'cancelled');
  assert.equal(ended.clientId, owner.clientId);
  assert.match(ended.error.message, /cancelled by its client \(POST \/api\/cancel/);
});

test('a paused execution is cancelled; a resume afterwards is refused, saying it was cancelled', async () => {
  const owner = await openSession(atp.url, { services: { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false } });
  const other = await openSession(atp.url);
  const paused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: owner.headers, body: { code: `return await atp.llm.call({ prompt: 'p' });` } });
  assert.equal(paused.body.status, 'paused', JSON.stringify(paused.body));
  const id = paused.body.executionId;

  assert.equal((await cancel(other, id)).status, 404);
  const answer = await cancel(owner, id);
  assert.equal(answer.status, 200);
  assert.equal(answer.body.status, 'cancelled');

  const resumed = await call(`${atp.url}/api/resume/${id}`, { method: 'POST', headers: owner.headers, body: { result: 'late' } });
  assert.equal(resumed.status, 409);
  assert.match(resumed.body.error, /was cancelled by its client .* cannot be resumed; run the code again/);
  const again = await cancel(owner, id);
  assert.equal(again.status, 409, 'a second cancel is told the same');
  const foreignResume = await call(`${atp.url}/api/resume/${id}`, { method: 'POST', headers: other.headers, body: { result: 'late' } });
  assert.equal(foreignResume.status, 404, 'another client learns nothing');
});

test('a client that drops its event stream cancels the execution; with cancelOnDisconnect: false it runs on', async () => {
  const owner = await openSession(atp.url);
  const dropped = await stream(owner, `await api.slow.hang({ tag: 'dropped' }); return 1;`);
  await until(() => upstream.requests.get('dropped'), 'the upstream call to arrive');
  dropped.drop();
  await until(() => upstream.requests.get('dropped').closed, 'the upstream to see its connection closed');
  const ended = await until(() => audit().find((event) => event.event === 'execution.end' && event.executionId === dropped.id), 'the audit end event');
  assert.equal(ended.status, 'cancelled');
  assert.match(ended.error.message, /client closed the event stream/);

  const kept = await stream(owner, `await api.slow.hang({ tag: 'kept' }); return 1;`, { cancelOnDisconnect: false });
  await until(() => upstream.requests.get('kept'), 'the upstream call to arrive');
  kept.drop();
  // still running: it can be cancelled by request, which is what closes its upstream call
  const answer = await cancel(owner, kept.id);
  assert.equal(answer.body.status, 'cancelled', JSON.stringify(answer.body));
  await until(() => upstream.requests.get('kept').closed, 'the upstream to see its connection closed');
  const keptEnd = await until(() => audit().find((event) => event.event === 'execution.end' && event.executionId === kept.id), 'the audit end event');
  assert.match(keptEnd.error.message, /cancelled by its client/, 'the drop did not cancel it; the request did');
});

test('a bad cancelOnDisconnect is a 400 naming the field', async () => {
  const owner = await openSession(atp.url);
  const { status, body } = await call(`${atp.url}/api/execute/stream`, { method: 'POST', headers: owner.headers, body: { code: 'return 1', config: { cancelOnDisconnect: 'no' } } });
  assert.equal(status, 400);
  assert.match(body.error, /config\.cancelOnDisconnect must be true or false/);
});

test('an MCP call in flight is cancelled at the MCP server when its execution is cancelled', async () => {
  const owner = await openSession(atp.url);
  const observer = await openSession(atp.url); // its pings do not wait behind the owner's execution
  const run = async (code) => (await call(`${atp.url}/api/execute`, { method: 'POST', headers: observer.headers, body: { code } })).body;
  const before = await run('return await api.local.ping({})');
  assert.equal(before.status, 'completed', JSON.stringify(before.error));
  const sleeping = await stream(owner, `await api.local.sleep({ ms: 60000 }); return 'not reached';`);
  await until(async () => (await run('return await api.local.ping({})')).result.sleeps === before.result.sleeps + 1, 'the MCP call to reach the server');
  const answer = await cancel(owner, sleeping.id);
  assert.equal(answer.body.status, 'cancelled');
  await until(async () => (await run('return await api.local.ping({})')).result.cancelled === before.result.cancelled + 1, 'the MCP server to hear the cancellation');
});

/** The executions waiting for a slot now, from /metrics. */
async function queued() {
  const text = await (await fetch(`${atp.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
  const line = text.split('\n').find((entry) => entry.startsWith('atp_executions_queued'));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

test('a stream dropped while its execution waits in the queue cancels it as soon as it runs', async () => {
  const owner = await openSession(atp.url);
  const first = await stream(owner, `await api.slow.hang({ tag: 'ahead' }); return 1;`);
  await until(() => upstream.requests.get('ahead'), 'the first execution to hold the client\'s slot');
  const body = JSON.stringify({ code: `await api.slow.hang({ tag: 'queued' }); return 2;` });
  const waiting = httpRequest(`${atp.url}/api/execute/stream`, {
    method: 'POST',
    headers: { ...owner.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
  });
  waiting.on('error', () => undefined);
  waiting.end(body);
  await until(async () => (await queued()) === 1, 'the second execution to wait in the queue');
  waiting.destroy(); // the client goes away before its execution ran
  assert.equal((await cancel(owner, first.id)).body.status, 'cancelled'); // frees the slot: the queued one runs
  const started = (event) => event.event === 'execution.start' && event.clientId === owner.clientId && event.executionId !== first.id;
  const secondId = (await until(() => audit().find(started), 'the queued execution to start')).executionId;
  const ended = await until(() => audit().find((event) => event.event === 'execution.end' && event.executionId === secondId), 'its end');
  assert.equal(ended.status, 'cancelled');
  assert.match(ended.error.message, /client closed the event stream/);
  if (upstream.requests.get('queued')) await until(() => upstream.requests.get('queued').closed, 'its upstream call, if it began, to be closed');
});
