// Fairness between clients of a real `atp serve`: one client with 200 slow executions in flight neither fills
// every execution slot nor every slot of a group, so another client's trivial execution answers within seconds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call, openSession, startAtp } from './serve-harness.js';

const SLOW_MS = 3000;
const FLOOD = 200;
/** "within a second or two": well under one slow call, which is what an unfair server makes the other client wait. */
const PROMPT_MS = 2000;

/** An upstream whose /wait answers after 3 s for tag "a" and at once otherwise, counting calls in flight per tag. */
async function startUpstream() {
  const inFlight = new Map();
  const peak = new Map();
  const watchers = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const { tag = '' } = body ? JSON.parse(body) : {};
      inFlight.set(tag, (inFlight.get(tag) ?? 0) + 1);
      peak.set(tag, Math.max(peak.get(tag) ?? 0, inFlight.get(tag)));
      for (const watch of watchers) watch();
      setTimeout(() => {
        inFlight.set(tag, inFlight.get(tag) - 1);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ tag }));
      }, tag === 'a' ? SLOW_MS : 0);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-fair-'));
  const spec = path.join(dir, 'slow.json');
  const json = { content: { 'application/json': { schema: { type: 'object', properties: { tag: { type: 'string' } } } } } };
  writeFileSync(spec, JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Slow', version: '1.0.0' },
    servers: [{ url }],
    paths: { '/wait': { post: { operationId: 'wait', summary: 'Answers after a while', requestBody: json, responses: { 200: { description: 'done', ...json } } } } },
  }));
  return {
    spec,
    peak: (tag) => peak.get(tag) ?? 0,
    /** Resolves once `count` calls of `tag` are in flight at once; rejects at the deadline. */
    inFlight(tag, count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if ((inFlight.get(tag) ?? 0) < count) return;
          finish();
          resolve();
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out waiting for ${count} calls of "${tag}" in flight (${inFlight.get(tag) ?? 0})`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `atp serve` with group `slow`, and client A flooding it with 200 executions of one slow call each. */
async function floodedServer(groupConcurrency) {
  const upstream = await startUpstream();
  const atp = await startAtp({ apis: [{ name: 'slow', type: 'openapi', spec: upstream.spec, concurrency: groupConcurrency }] });
  const a = await openSession(atp.url);
  const refusedA = [];
  const flood = Array.from({ length: FLOOD }, () =>
    call(`${atp.url}/api/execute`, { method: 'POST', headers: a.headers, body: { code: 'return (await api.slow.wait({ tag: "a" })).tag;' } })
      .then((response) => response.body.status === 'rate_limited' && refusedA.push(response.body.error.message), () => undefined));
  return {
    atp,
    upstream,
    refusedA,
    async stop() {
      await atp.stop('SIGKILL'); // A's 188 queued executions would take half a minute more
      upstream.close();
      await Promise.all(flood);
    },
  };
}

async function timed(url, headers, code) {
  const started = performance.now();
  const response = await call(`${url}/api/execute`, { method: 'POST', headers, body: { code } });
  return { ...response, ms: performance.now() - started };
}

test('one client\'s 200 slow executions leave execution slots to another client (defaults: 12 of 16 per client)', async () => {
  const server = await floodedServer(64);
  try {
    // every execution of A that runs is in its slow call: 12 of them, the rest wait in A's queue (192 places)
    await server.upstream.inFlight('a', 12);
    const b = await openSession(server.atp.url);
    const answer = await timed(server.atp.url, b.headers, 'return 1 + 1;');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.status, 'completed', JSON.stringify(answer.body.error));
    assert.equal(answer.body.result, 2);
    assert.ok(answer.ms < PROMPT_MS, `B answered in ${Math.round(answer.ms)} ms`);
    assert.equal(server.upstream.peak('a'), 12, 'A never ran more than its share of executions');
    assert.deepEqual(server.refusedA, [], 'all 200 of A fit in its share and its queue');
  } finally {
    await server.stop();
  }
});

test('one client\'s slow calls leave slots of the group to another client (group concurrency 4: 3 per client)', async () => {
  const server = await floodedServer(4);
  try {
    await server.upstream.inFlight('a', 3);
    const b = await openSession(server.atp.url);
    const answer = await timed(server.atp.url, b.headers, 'return (await api.slow.wait({ tag: "b" })).tag;');
    assert.equal(answer.body.status, 'completed', JSON.stringify(answer.body.error));
    assert.equal(answer.body.result, 'b');
    assert.ok(answer.ms < PROMPT_MS, `B answered in ${Math.round(answer.ms)} ms`);
    assert.equal(server.upstream.peak('a'), 3, 'A never had more than its share of the group in flight');
  } finally {
    await server.stop();
  }
});
