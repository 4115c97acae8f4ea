// OpenAPI calls against a real upstream on 127.0.0.1: what arrives on the wire for every parameter kind and
// body encoding, validation before any request, statuses, retries, 429, resets, timeouts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { ToolCallError } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { startUpstream } from '../fixtures/openapi/upstream.js';
import { until } from '../e2e/mcp-helpers.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi');
const logger = createLogger({ level: 'silent', format: 'text' });
let upstream;
let tools;

const ctx = () => ({ signal: new AbortController().signal });
const call = (name, input) => tools.get(name).invoke(input, ctx());

async function loadShop(extra = {}) {
  const config = { type: 'openapi', name: 'shop', spec: path.join(FIXTURES, 'shop.yaml'), baseUrl: `${upstream.origin}/v1`, timeout: 5000, concurrency: 4, retries: 2, ...extra };
  const group = await loadOpenApiGroup(config, { logger, configDir: FIXTURES }, { cacheDir: false });
  return new Map(group.tools.map((tool) => [tool.path.join('.'), tool]));
}

before(async () => {
  upstream = await startUpstream();
  tools = await loadShop();
});
after(() => upstream.close());

test('names follow the operationIds, and method and path without one', () => {
  assert.deepEqual([...tools.keys()].sort(), [
    'big.get', 'blobs.get', 'blobs.put', 'forms.submit', 'getThingsByThingIdParts', 'items.create', 'items.delete_', 'items.get', 'items.replace',
    'notes.create', 'reset.get', 'reset.post', 'slow.get', 'status.get', 'status.post', 'tree.get', 'uploads.create',
  ]);
  const get = tools.get('items.get');
  assert.equal(get.sourceName, 'items/get');
  assert.equal(get.description, 'Get an item');
  assert.deepEqual(get.annotations, { readOnly: true, idempotent: true, destructive: false, keywords: ['items'] });
  assert.deepEqual(tools.get('items.delete_').annotations, { readOnly: false, idempotent: true, destructive: true, keywords: ['items'] });
  assert.equal(tools.get('items.create').annotations.idempotent, false);
});

test('path, query (form, exploded, deepObject), header and cookie parameters arrive as OpenAPI serialises them', async () => {
  const result = await call('items.get', {
    itemId: 'a b/c', verbose: true, tags: ['x', 'y z'], ids: [1, 2, 3], filter: { color: 'red', size: 2 }, 'X-Trace-Id': 't-1', session: 's=1',
  });
  const wire = upstream.last();
  assert.equal(wire.method, 'GET');
  assert.equal(wire.path, '/v1/items/a%20b%2Fc');
  assert.equal(wire.query, 'verbose=true&tags=x&tags=y%20z&ids=1,2,3&filter%5Bcolor%5D=red&filter%5Bsize%5D=2');
  assert.equal(wire.headers['x-trace-id'], 't-1');
  assert.equal(wire.headers.cookie, 'session=s%3D1');
  assert.equal(result.path, '/v1/items/a%20b%2Fc', 'the JSON answer is parsed');
});

test('a JSON body whose fields do not collide with parameters is flattened into the input', async () => {
  await call('items.replace', { itemId: '7', name: 'lamp', price: 3.5, color: null, dimensions: { width: 2 } });
  const wire = upstream.last();
  assert.equal(wire.method, 'PUT');
  assert.equal(wire.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(wire.body), { name: 'lamp', price: 3.5, color: null, dimensions: { width: 2 } });
});

test('a body whose fields collide with a parameter goes under `body`', async () => {
  const result = await call('items.create', { name: 'query-name', body: { name: 'body-name' } });
  const wire = upstream.last();
  assert.equal(wire.query, 'name=query-name');
  assert.deepEqual(JSON.parse(wire.body), { name: 'body-name' });
  assert.equal(result.method, 'POST', '201 with JSON is a result');
});

test('form, multipart, text and binary bodies are encoded by their content type', async () => {
  await call('forms.submit', { title: 'a b&c', count: 2 });
  assert.equal(upstream.last().headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(upstream.last().body, 'title=a+b%26c&count=2');

  await call('uploads.create', { caption: 'hi', file: { base64: Buffer.from('file-bytes').toString('base64'), filename: 'f.txt', contentType: 'text/plain' } });
  const multipart = upstream.last();
  assert.match(multipart.headers['content-type'], /^multipart\/form-data; boundary=/);
  assert.match(multipart.body, /name="caption"\r\n\r\nhi\r\n/);
  assert.match(multipart.body, /name="file"; filename="f.txt"\r\nContent-Type: text\/plain\r\n\r\nfile-bytes\r\n/);

  assert.equal(await call('notes.create', { body: 'hello' }), 'noted: hello', 'a text answer is a string');
  assert.equal(upstream.last().headers['content-type'], 'text/plain');

  const echoed = await call('blobs.put', { body: { base64: Buffer.from([9, 8, 7]).toString('base64') } });
  assert.equal(upstream.last().headers['content-type'], 'application/octet-stream');
  assert.equal(echoed.body, Buffer.from([9, 8, 7]).toString('base64'));
});

test('binary answers come back as base64, 204 as null', async () => {
  assert.deepEqual(await call('blobs.get', {}), { contentType: 'application/octet-stream', size: 5, base64: Buffer.from([0, 1, 2, 250, 255]).toString('base64') });
  assert.equal(await call('items.delete_', { itemId: '1' }), null);
  assert.deepEqual(await call('tree.get'), { name: 'root', children: [{ name: 'leaf', children: [] }] }, 'no input at all is an empty input');
});

test('invalid input is refused before any request, listing every missing, unknown or wrong field', async () => {
  const before = upstream.requests.length;
  await assert.rejects(call('items.replace', { itemID: '7', price: 'cheap', color: 'purple', extra: 1 }), (error) => {
    assert.ok(error instanceof ToolCallError);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.match(error.message, /^shop\.items\.replace \(PUT \/items\/\{itemId\}\): invalid input: /);
    assert.match(error.message, /missing required field "itemId"/);
    assert.match(error.message, /missing required field "name"/);
    assert.match(error.message, /unknown field "itemID" \(did you mean "itemId"\?\)/);
    assert.match(error.message, /unknown field "extra"/);
    assert.match(error.message, /"price" must be a number, not the string "cheap"/);
    assert.match(error.message, /"color" must be one of "red", "green", "blue", null/);
    return true;
  });
  await assert.rejects(call('items.get', 'not an object'), /invalid input: input must be an object/);
  assert.equal(upstream.requests.length, before, 'nothing was sent');
});

test('checkInput answers the error invoke would throw, without sending anything; undefined for a valid input', async () => {
  const before = upstream.requests.length;
  const replace = tools.get('items.replace');
  const input = { itemID: '7', price: 'cheap' };
  const checked = replace.checkInput(input);
  assert.ok(checked instanceof ToolCallError);
  assert.equal(checked.code, 'VALIDATION_FAILED');
  await assert.rejects(replace.invoke(input, ctx()), (error) => error.message === checked.message && error.code === checked.code);
  const unsafe = tools.get('items.get').checkInput({ itemId: '..' });
  assert.equal(unsafe?.code, 'VALIDATION_FAILED', 'what the request builder refuses counts too');
  await assert.rejects(tools.get('items.get').invoke({ itemId: '..' }, ctx()), { message: unsafe.message, code: 'VALIDATION_FAILED' });
  assert.equal(tools.get('items.get').checkInput({ itemId: '1' }), undefined);
  assert.equal(tools.get('tree.get').checkInput(undefined), undefined, 'no input is an empty input');
  assert.equal(upstream.requests.length, before, 'nothing was sent');
});

test('values a request cannot carry safely are refused: dot segments in a path, line breaks in a header', async () => {
  const before = upstream.requests.length;
  for (const itemId of ['..', '.', '']) {
    await assert.rejects(call('items.get', { itemId }), (error) => error.code === 'VALIDATION_FAILED' && /path parameter "itemId" makes the path segment/.test(error.message), JSON.stringify(itemId));
  }
  await assert.rejects(call('items.get', { itemId: '1', 'X-Trace-Id': 'a\r\nX-Evil: 1' }), /"X-Trace-Id" cannot contain line breaks/);
  assert.equal(upstream.requests.length, before);
  await call('items.get', { itemId: '...' });
  assert.equal(upstream.last().path, '/v1/items/...', 'three dots are an ordinary name');
  await call('items.get', { itemId: '%2E%2E' });
  assert.equal(upstream.last().path, '/v1/items/%252E%252E', 'an encoded dot segment is sent as the literal text it is');
});

test('a binary answer above the cap is refused with a clear message', async () => {
  await assert.rejects(call('blobs.get', { size: 9 * 1024 * 1024 }), (error) => {
    assert.match(error.message, /^shop\.blobs\.get \(GET \/blobs\): the answer is 9437184 bytes of application\/octet-stream, above the 8388608-byte limit/);
    return true;
  });
});

test('a JSON answer above the limit for one answer is refused, declared or not; an error body is read only for its excerpt', async () => {
  const limit = 64 * 1024 * 1024;
  for (const chunked of [false, true]) {
    await assert.rejects(call('big.get', { bytes: limit + 1024, chunked }), (error) => {
      assert.equal(error.code, 'HTTP_ERROR');
      assert.equal(error.message, `shop.big.get (GET /big): the answer is ${limit + 1024} bytes of application/json, above the ${limit}-byte limit for one answer; ask for less (a page, a filter, fewer fields)`);
      return true;
    });
  }
  await assert.rejects(call('big.get', { bytes: 2 * 1024 * 1024, status: 500 }), (error) => {
    assert.equal(error.status, 500);
    assert.match(error.message, /HTTP 500 Internal Server Error: \(a body of more than 1048576 bytes\)$/);
    return true;
  });
  assert.equal((await call('big.get', { bytes: 1000, chunked: true })).length, 998); // the pool's sockets still work
});

test('a non-2xx answer throws a ToolCallError with the status and a body excerpt', async () => {
  await assert.rejects(call('status.get', { code: 404 }), (error) => {
    assert.ok(error instanceof ToolCallError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'HTTP_ERROR');
    assert.match(error.message, /^shop\.status\.get \(GET \/status\/\{code\}\): HTTP 404 Not Found: \{"message":"status 404"/);
    assert.match(error.body, /status 404/);
    return true;
  });
});

test('idempotent calls are retried on 502/503/504; others are not', async () => {
  const result = await call('status.get', { code: 503, times: 2, key: 'get-503' });
  assert.equal(result.method, 'GET');
  assert.equal(upstream.requests.filter((r) => r.query.includes('key=get-503')).length, 3, 'two failures, then success');

  await assert.rejects(call('status.get', { code: 502, times: 5, key: 'get-502' }), (error) => error.status === 502);
  assert.equal(upstream.requests.filter((r) => r.query.includes('key=get-502')).length, 3, 'retries: 2 means three attempts');

  await assert.rejects(call('status.post', { code: 503, times: 1, key: 'post-503' }), (error) => error.status === 503);
  assert.equal(upstream.requests.filter((r) => r.query.includes('key=post-503')).length, 1, 'a POST is never repeated');
});

test('429 is retried after Retry-After, and a long Retry-After is reported instead of waited for', async () => {
  const result = await call('status.get', { code: 429, times: 1, key: 'rate', retryAfter: '1' });
  assert.equal(result.method, 'GET');
  assert.equal(upstream.requests.filter((r) => r.query.includes('key=rate')).length, 2);

  await assert.rejects(call('status.get', { code: 429, retryAfter: '120' }), (error) => {
    assert.equal(error.code, 'RATE_LIMIT_EXCEEDED');
    assert.equal(error.retryAfter, 120);
    assert.match(error.message, /rate limited, retry after 120 s/);
    return true;
  });
});

test('a connection reset is retried for idempotent methods only', async () => {
  const result = await call('reset.get', { times: 1, key: 'reset-get' });
  assert.equal(result.method, 'GET');
  assert.equal(upstream.requests.filter((r) => r.query.includes('key=reset-get')).length, 2);

  await assert.rejects(call('reset.post', { times: 1, key: 'reset-post' }), (error) => {
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.match(error.message, /^shop\.reset\.post \(POST \/reset\): cannot reach 127\.0\.0\.1:\d+: /);
    return true;
  });
});

test('a call without an answer fails after the group timeout', async () => {
  const quick = await loadShop({ timeout: 300 });
  await assert.rejects(quick.get('slow.get').invoke({}, ctx()), (error) => {
    assert.equal(error.code, 'TIMEOUT_ERROR');
    assert.match(error.message, /no answer within 300 ms/);
    return true;
  });
});

test('an answer whose body stops coming fails after the group timeout too', async () => {
  const quick = await loadShop({ timeout: 300 });
  await assert.rejects(quick.get('slow.get').invoke({ partial: true }, ctx()), (error) => {
    assert.equal(error.code, 'TIMEOUT_ERROR');
    assert.match(error.message, /no answer within 300 ms/);
    return true;
  });
});

test('the caller aborting a call stops it, before the answer and while its body comes', async () => {
  for (const input of [{}, { partial: true }]) {
    const controller = new AbortController();
    const before = upstream.requests.length;
    const pending = tools.get('slow.get').invoke(input, { signal: controller.signal });
    await until(() => upstream.requests.length > before, 'the request at the upstream'); // which has sent a partial answer's headers too
    controller.abort(new Error('execution cancelled'));
    await assert.rejects(pending, /execution cancelled/);
  }
});

test('an unreachable upstream is a network error naming the host', async () => {
  const down = await startUpstream();
  await down.close();
  const group = await loadOpenApiGroup(
    { type: 'openapi', name: 'shop', spec: path.join(FIXTURES, 'shop.yaml'), baseUrl: `${down.origin}/v1`, timeout: 5000, concurrency: 4, retries: 0 },
    { logger, configDir: FIXTURES },
    { cacheDir: false },
  );
  await assert.rejects(group.tools.find((t) => t.sourceName === 'tree/get').invoke({}, ctx()), /cannot reach 127\.0\.0\.1:\d+: connection refused/);
});

test('server variables fill the server URL when there is no baseUrl', async () => {
  const host = upstream.origin.replace('http://', '');
  const byVariables = await loadShop({ baseUrl: undefined, serverVariables: { host } });
  const result = await byVariables.get('tree.get').invoke({}, ctx());
  assert.equal(result.name, 'root');
  assert.equal(upstream.last().path, '/v1/tree');
});
