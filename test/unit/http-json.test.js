// sendJson: the same response koa would write for ctx.body = value (status line, headers, body), in one write.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import Koa from 'koa';
import { sendJson } from '../../dist/http/json.js';

const value = { executionId: 'exe_1', status: 'completed', result: { text: 'héllo "quoted" ✓', list: [1, null, true] } };

/** The raw bytes of a response to POST `path` over a fresh connection, with the Date header taken out. */
function rawResponse(port, path) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`));
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').replace(/\r\nDate: [^\r]*/, '')));
    socket.on('error', reject);
  });
}

test('sendJson writes what koa writes for a JSON body, headers set earlier included', async (t) => {
  const app = new Koa();
  app.use(async (ctx, next) => {
    ctx.set('X-Request-ID', 'req-1');
    await next();
  });
  app.use((ctx) => {
    if (ctx.path === '/koa') ctx.body = value;
    else sendJson(ctx, value);
  });
  const server = http.createServer(app.callback());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address();
  const viaKoa = await rawResponse(port, '/koa');
  const viaSendJson = await rawResponse(port, '/send');
  assert.match(viaKoa, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(viaKoa, /\r\nContent-Type: application\/json; charset=utf-8\r\n/i);
  assert.equal(viaSendJson, viaKoa);
  assert.deepEqual(JSON.parse(viaSendJson.slice(viaSendJson.indexOf('\r\n\r\n') + 4)), value);
});

test('sendJson leaves an ended response to koa instead of writing twice', async (t) => {
  const app = new Koa();
  app.silent = true;
  app.use((ctx) => {
    ctx.res.end('early');
    sendJson(ctx, value);
  });
  const server = http.createServer(app.callback());
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const text = await rawResponse(server.address().port, '/');
  assert.match(text, /\r\n\r\n(5\r\n)?early/);
});
