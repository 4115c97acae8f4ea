// The fetch remote MCP transports use: answers above the limit are not held; the request they answer gets an
// error answer at once. A JSON body is bounded whole, an event stream line by line.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { limitedFetch } from '../../dist/catalog/loaders/mcp/limited-fetch.js';

let server;
let base;
before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const size = Number(url.searchParams.get('size'));
    const text = 'x'.repeat(size);
    if (url.pathname === '/moved') {
      res.writeHead(307, { location: '/json?size=10' });
      return res.end();
    }
    if (url.pathname === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ jsonrpc: '2.0', id: 4, result: { text } }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // a small event, a large one in many chunks, then a small one
    res.write(`event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n`);
    const big = `event: message\ndata: {"jsonrpc":"2.0","id":4,"result":{"text":"${text}"}}\n\n`;
    for (let i = 0; i < big.length; i += 97) res.write(big.slice(i, i + 97));
    res.end(`event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":2}}\n\n`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const fetchLimited = limitedFetch('http://mcp.test/mcp', 1000);
const request = { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: {} }) };
const REASON = 'the MCP server at http://mcp.test/mcp sent a message of more than 1000 bytes, above the limit for one answer; ask it for less (a page, a filter, a range)';

test('a JSON answer within the limit passes unchanged; above it, the request gets an error answer', async () => {
  const small = await fetchLimited(`${base}/json?size=500`, request);
  assert.equal((await small.json()).result.text.length, 500);
  assert.equal(small.headers.get('content-type'), 'application/json');
  assert.equal(small.url, `${base}/json?size=500`);
  assert.equal(small.redirected, false);
  const moved = await fetchLimited(`${base}/moved`, request); // the SSE client reconnects to where it was sent
  assert.deepEqual([moved.url, moved.redirected, (await moved.json()).result.text.length], [`${base}/json?size=10`, true, 10]);
  const large = await fetchLimited(`${base}/json?size=5000`, request);
  assert.deepEqual(await large.json(), { jsonrpc: '2.0', id: 4, error: { code: -32603, message: REASON } });
});

test('an event stream passes event by event; a line above the limit becomes the error answer of the request', async () => {
  const small = await (await fetchLimited(`${base}/sse?size=500`, request)).text();
  assert.equal(small.split('\n\n').filter(Boolean).length, 3);
  const large = await (await fetchLimited(`${base}/sse?size=5000`, request)).text();
  // an event without data (the large one's first line went on before its data line) is not dispatched
  const events = large.split('\n\n').map((event) => event.trim()).filter((event) => event.includes('data: '));
  assert.equal(events.length, 2); // the first notification, then the error in place of the large answer
  assert.match(events[0], /"progress":1/);
  assert.deepEqual(JSON.parse(events[1].replace(/^event: message\ndata: /, '')), { jsonrpc: '2.0', id: 4, error: { code: -32603, message: REASON } });
});

test('without a request to answer (a GET stream, a notification), the stream ends with the error', async () => {
  const stream = await fetchLimited(`${base}/sse?size=5000`, { method: 'GET' });
  await assert.rejects(stream.text(), (error) => error.message === REASON);
  const notified = await fetchLimited(`${base}/json?size=5000`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await assert.rejects(notified.text(), (error) => error.message === REASON);
});
