// The fetch under remote MCP transports follows redirects itself: the group's configured headers and any
// credential stay with the server's origin, against real servers on 127.0.0.1.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { originBoundFetch } from '../../dist/catalog/loaders/mcp/redirects.js';

let home;
let away;

async function start() {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const url = new URL(req.url, 'http://x');
    requests.push({ method: req.method, path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString() });
    if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    if (url.pathname === '/moved') {
      res.writeHead(Number(url.searchParams.get('status')), { location: url.searchParams.get('to') });
      return res.end('moved');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

before(async () => {
  [home, away] = await Promise.all([start(), start()]);
});
after(() => Promise.all([home.close(), away.close()]));

const configured = { 'X-Api-Key': 'mcp-key-123456', 'X-Plain': 'plain' };
const fetchBound = originBoundFetch(Object.keys(configured));
const init = (method = 'POST') => ({
  method,
  headers: { ...configured, Authorization: 'Bearer mcp-bearer-654321', 'content-type': 'application/json' },
  ...(method === 'POST' && { body: '{"jsonrpc":"2.0"}' }),
});

test('a redirect to another origin keeps method and body (307) and drops every configured header and credential', async () => {
  const to = `${away.origin}/mcp`;
  const response = await fetchBound(`${home.origin}/moved?status=307&to=${encodeURIComponent(to)}`, init());
  assert.equal(response.status, 200);
  assert.equal(response.url, to);
  assert.equal(response.redirected, true);
  const got = away.requests.at(-1);
  assert.equal(got.method, 'POST');
  assert.equal(got.body, '{"jsonrpc":"2.0"}');
  for (const name of ['x-api-key', 'x-plain', 'authorization']) assert.equal(got.headers[name], undefined, name);
});

test('a same-origin redirect keeps them; 303 becomes GET without the body', async () => {
  await fetchBound(`${home.origin}/moved?status=308&to=/mcp`, init());
  const kept = home.requests.at(-1);
  assert.equal(kept.path, '/mcp');
  assert.equal(kept.headers['x-api-key'], 'mcp-key-123456');
  assert.equal(kept.headers.authorization, 'Bearer mcp-bearer-654321');
  await fetchBound(`${home.origin}/moved?status=303&to=/mcp`, init());
  const got = home.requests.at(-1);
  assert.equal(got.method, 'GET');
  assert.equal(got.body, '');
  assert.equal(got.headers['content-type'], undefined);
});

test('a hop back to the first origin after another one does not restore credentials; loops and odd schemes fail', async () => {
  const back = `${home.origin}/mcp`;
  await fetchBound(`${home.origin}/moved?status=302&to=${encodeURIComponent(`${away.origin}/moved?status=302&to=${encodeURIComponent(back)}`)}`, init('GET'));
  assert.equal(home.requests.at(-1).path, '/mcp');
  assert.equal(home.requests.at(-1).headers['x-api-key'], undefined);
  await assert.rejects(fetchBound(`${home.origin}/loop`, init('GET')), /more than 20 redirects/);
  await assert.rejects(fetchBound(`${home.origin}/moved?status=302&to=${encodeURIComponent('file:///etc/passwd')}`, init('GET')), /unsupported URL scheme file:/);
});
