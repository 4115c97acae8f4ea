// The OpenAPI transport's limits on its attempts: one timer for all of them and one listener per caller's
// signal, so each attempt still times out at its own deadline and an abort still stops every attempt of that
// signal, however many are in flight and whatever ended before.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Transport } from '../../dist/catalog/loaders/openapi/http.js';
import { Redactor } from '../../dist/catalog/loaders/openapi/redact.js';
import { createLogger } from '../../dist/logging/index.js';

const TIMEOUT_MS = 300;
let server;
let origin;
const held = new Set();
const seen = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(req.url);
    if (req.url.startsWith('/slow')) {
      held.add(res); // never answered: the attempt's timeout or its caller's abort ends it
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function transport(timeoutMs = TIMEOUT_MS) {
  return new Transport({
    timeoutMs, retries: 0, maxSockets: 8, headers: {}, redactor: new Redactor(),
    logger: createLogger({ level: 'silent', format: 'text' }), group: 'limits',
    auth: { bound: { headers: [], query: [] }, apply: () => undefined, invalidate: () => false },
  });
}

const get = (t, path, signal) => t.send(`limits ${path}`, () => ({ method: 'GET', url: `${origin}${path}`, query: [], headers: {}, cookies: [] }), signal);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('an attempt started after others ended times out at its own deadline, not at the first one\'s', async () => {
  const t = transport();
  try {
    const signal = new AbortController().signal;
    assert.deepEqual(await get(t, '/fast/1', signal), { path: '/fast/1' }); // sets the one timer for its deadline
    await sleep(TIMEOUT_MS / 2);
    const started = performance.now();
    await assert.rejects(get(t, '/slow/1', signal), (error) => {
      assert.equal(error.code, 'TIMEOUT_ERROR');
      assert.match(error.message, /no answer within 300 ms/);
      return true;
    });
    const took = performance.now() - started;
    assert.ok(took >= TIMEOUT_MS - 5, `timed out after ${took.toFixed(0)} ms, before its own ${TIMEOUT_MS} ms`);
  } finally {
    t.close();
  }
});

test('attempts in flight each time out, in the order they started', async () => {
  const t = transport();
  try {
    const signal = new AbortController().signal;
    const started = performance.now();
    const first = get(t, '/slow/a', signal).catch((error) => ({ error, at: performance.now() - started }));
    await sleep(100);
    const second = get(t, '/slow/b', signal).catch((error) => ({ error, at: performance.now() - started }));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.error.code, 'TIMEOUT_ERROR');
    assert.equal(b.error.code, 'TIMEOUT_ERROR');
    assert.ok(a.at < b.at, `the first ended at ${a.at.toFixed(0)} ms, the second at ${b.at.toFixed(0)} ms`);
    assert.ok(b.at >= 100 + TIMEOUT_MS - 5, `the second ended at ${b.at.toFixed(0)} ms, before its deadline`);
  } finally {
    t.close();
  }
});

test('aborting a signal stops every attempt made with it, and only those', async () => {
  const t = transport(60_000); // no deadline near: only the aborts end these attempts
  try {
    const shared = new AbortController();
    const other = new AbortController();
    assert.deepEqual(await get(t, '/fast/2', shared.signal), { path: '/fast/2' }); // one that ended first changes nothing
    const before = seen.length;
    const mine = [get(t, '/slow/c', shared.signal), get(t, '/slow/d', shared.signal)];
    let theirsEnded = false;
    const theirs = get(t, '/slow/e', other.signal).finally(() => (theirsEnded = true));
    while (seen.length < before + 3) await sleep(5); // all three at the upstream
    shared.abort(new Error('execution cancelled'));
    for (const pending of mine) await assert.rejects(pending, /execution cancelled/);
    await sleep(50);
    assert.equal(theirsEnded, false, 'the other signal\'s attempt goes on');
    other.abort(new Error('the other one cancelled'));
    await assert.rejects(theirs, /the other one cancelled/);
  } finally {
    t.close();
  }
});

test('a signal aborted before the attempt stops it before anything is sent', async () => {
  const t = transport();
  try {
    const controller = new AbortController();
    controller.abort(new Error('already cancelled'));
    await assert.rejects(get(t, '/fast/3', controller.signal), /already cancelled/);
    await sleep(20);
    assert.ok(!seen.includes('/fast/3'), 'the upstream saw the request');
  } finally {
    t.close();
  }
});
