// The OpenAPI transport on the wire: keep-alive connection reuse, pooled sockets the server closed (idle or
// in flight), compressed answers, redirects, and the group's close() closing its connections.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { createLogger } from '../../dist/logging/index.js';

const logger = createLogger({ level: 'silent', format: 'text' });
const ctx = () => ({ signal: new AbortController().signal });
const json = { content: { 'application/json': { schema: {} } } };
const param = (name) => ({ name, in: 'query', schema: { type: 'string' } });
const SPEC = {
  openapi: '3.0.3',
  info: { title: 'wire', version: '1' },
  paths: {
    '/echo': {
      get: { operationId: 'echo.get', parameters: [param('n')], responses: { 200: { description: 'ok', ...json } } },
      post: { operationId: 'echo.post', requestBody: json, responses: { 200: { description: 'ok', ...json } } },
    },
    '/packed': { get: { operationId: 'packed.get', parameters: [param('coding')], responses: { 200: { description: 'ok', ...json } } } },
    '/moved': {
      get: { operationId: 'moved.get', parameters: [param('status'), param('to')], responses: { 200: { description: 'ok', ...json } } },
      post: { operationId: 'moved.post', parameters: [param('status'), param('to')], requestBody: json, responses: { 200: { description: 'ok', ...json } } },
    },
  },
};

let dir;
let specPath;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'atp-openapi-wire-'));
  specPath = path.join(dir, 'wire.json');
  writeFileSync(specPath, JSON.stringify(SPEC));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * An upstream that numbers its connections and each connection's requests. `dropReused`: a request that
 * arrives on an already used connection is answered by closing it, as when the server's idle close crosses
 * the client's next request.
 */
async function startWire({ dropReused = false, keepAliveTimeout = 5000 } = {}) {
  const requests = [];
  const open = new Set();
  let connections = 0;
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const socket = req.socket;
    socket.requestsSeen = (socket.requestsSeen ?? 0) + 1;
    const url = new URL(req.url, 'http://wire');
    requests.push({ method: req.method, path: url.pathname, connection: socket.connectionNumber, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (dropReused && socket.requestsSeen > 1) return socket.destroy();
    const answer = (value) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/echo') return answer({ method: req.method, n: url.searchParams.get('n'), connection: socket.connectionNumber, body: requests.at(-1).body || null });
    if (url.pathname === '/packed') {
      const coding = url.searchParams.get('coding');
      const body = Buffer.from(JSON.stringify({ coding, items: Array.from({ length: 50 }, (_, i) => `item ${i}`) }));
      const packed = { gzip: zlib.gzipSync, deflate: zlib.deflateSync, 'raw-deflate': zlib.deflateRawSync, br: zlib.brotliCompressSync }[coding](body);
      // header names as some servers write them: their case is not the reader's business
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': coding === 'raw-deflate' ? 'deflate' : coding });
      return res.end(packed);
    }
    if (url.pathname === '/moved') {
      res.writeHead(Number(url.searchParams.get('status')), { location: url.searchParams.get('to') });
      return res.end();
    }
    if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = keepAliveTimeout;
  server.on('connection', (socket) => {
    socket.connectionNumber = ++connections;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    open,
    connections: () => connections,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

async function load(upstream, extra = {}) {
  const config = { type: 'openapi', name: 'wire', spec: specPath, baseUrl: upstream.origin, timeout: 5000, concurrency: 4, retries: 0, ...extra };
  const group = await loadOpenApiGroup(config, { logger, configDir: dir }, { cacheDir: false });
  const tools = new Map(group.tools.map((tool) => [tool.path.join('.'), tool]));
  return { group, call: (name, input) => tools.get(name).invoke(input, ctx()) };
}

async function until(condition, what) {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('sequential calls reuse one keep-alive connection, and close() closes it', async () => {
  const upstream = await startWire();
  const { group, call } = await load(upstream);
  try {
    for (let n = 1; n <= 5; n++) assert.deepEqual(await call('echo.get', { n: String(n) }), { method: 'GET', n: String(n), connection: 1, body: null });
    assert.equal(await call('echo.post', { body: { a: 1 } }).then((r) => r.body), '{"a":1}');
    assert.equal(upstream.connections(), 1);
    assert.equal(upstream.open.size, 1);
    await group.close();
    await until(() => upstream.open.size === 0, 'the pooled connection to close');
  } finally {
    await upstream.close();
  }
});

test('a server that closes idle keep-alive connections does not fail the next call', async () => {
  const upstream = await startWire({ keepAliveTimeout: 30 });
  const { group, call } = await load(upstream);
  try {
    assert.equal((await call('echo.get', { n: '1' })).connection, 1);
    await until(() => upstream.open.size === 0, 'the server to close the idle connection');
    assert.equal((await call('echo.get', { n: '2' })).connection, 2);
  } finally {
    await group.close();
    await upstream.close();
  }
});

test('a pooled connection closed as it is reused is resent on a fresh one for GET, never for POST', async () => {
  const upstream = await startWire({ dropReused: true });
  const { group, call } = await load(upstream); // retries: 0, so only the stale-socket resend can save the call
  try {
    assert.equal((await call('echo.get', { n: '1' })).connection, 1);
    assert.deepEqual(await call('echo.get', { n: '2' }), { method: 'GET', n: '2', connection: 2, body: null });
    assert.deepEqual(upstream.requests.map((r) => r.connection), [1, 1, 2]);
    await assert.rejects(call('echo.post', { body: { a: 1 } }), (error) => {
      assert.equal(error.code, 'NETWORK_ERROR');
      assert.match(error.message, /^wire\.echo\.post \(POST \/echo\): cannot reach 127\.0\.0\.1:\d+: /);
      return true;
    });
    assert.equal(upstream.requests.filter((r) => r.method === 'POST').length, 1);
  } finally {
    await group.close();
    await upstream.close();
  }
});

test('gzip, deflate (zlib and raw) and br answers are decoded; gzip and deflate are asked for', async () => {
  const upstream = await startWire();
  const { group, call } = await load(upstream);
  try {
    for (const coding of ['gzip', 'deflate', 'raw-deflate', 'br']) {
      const result = await call('packed.get', { coding });
      assert.equal(result.coding, coding);
      assert.equal(result.items.length, 50);
      assert.equal(result.items[49], 'item 49');
    }
    assert.equal(upstream.requests[0].headers['accept-encoding'], 'gzip, deflate');
  } finally {
    await group.close();
    await upstream.close();
  }
});

test('redirects are followed as fetch does: 303 and POST 301/302 become GET, 307/308 keep method and body', async () => {
  const upstream = await startWire();
  const { group, call } = await load(upstream);
  try {
    for (const status of ['301', '302', '303', '307', '308']) {
      assert.deepEqual(await call('moved.get', { status, to: '/echo?n=' + status }), { method: 'GET', n: status, connection: 1, body: null });
    }
    for (const status of ['301', '302', '303']) {
      assert.deepEqual(await call('moved.post', { status, to: '/echo?n=' + status, body: { a: 1 } }), { method: 'GET', n: status, connection: 1, body: null });
    }
    for (const status of ['307', '308']) {
      assert.deepEqual(await call('moved.post', { status, to: `${upstream.origin}/echo?n=${status}`, body: { a: 1 } }), { method: 'POST', n: status, connection: 1, body: '{"a":1}' });
    }
    await assert.rejects(call('moved.get', { status: '302', to: '/loop' }), (error) => {
      assert.equal(error.code, 'NETWORK_ERROR');
      assert.match(error.message, /more than 20 redirects/);
      return true;
    });
  } finally {
    await group.close();
    await upstream.close();
  }
});
