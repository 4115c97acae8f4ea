// Every auth kind of an OpenAPI group, as it arrives at a real upstream, and secrets kept out of errors and logs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { startUpstream } from '../fixtures/openapi/upstream.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi');
let upstream;
const logLines = [];
const logger = createLogger({ level: 'trace', format: 'json', write: (line) => logLines.push(line) });
const ctx = () => ({ signal: new AbortController().signal });

async function shop(auth, extra = {}) {
  const group = await loadOpenApiGroup(
    { type: 'openapi', name: 'shop', spec: path.join(FIXTURES, 'shop.yaml'), baseUrl: `${upstream.origin}/v1`, timeout: 5000, concurrency: 4, retries: 0, auth, ...extra },
    { logger, configDir: FIXTURES },
    { cacheDir: false },
  );
  return (name) => group.tools.find((tool) => tool.path.join('.') === name);
}

before(async () => {
  upstream = await startUpstream();
});
after(() => upstream.close());

test('bearer', async () => {
  const tool = await shop({ type: 'bearer', token: 'bearer-secret-1' });
  await tool('tree.get').invoke({}, ctx());
  assert.equal(upstream.last().headers.authorization, 'Bearer bearer-secret-1');
});

test('basic', async () => {
  const tool = await shop({ type: 'basic', username: 'ann', password: 'pa:ss-secret' });
  await tool('tree.get').invoke({}, ctx());
  assert.equal(upstream.last().headers.authorization, `Basic ${Buffer.from('ann:pa:ss-secret').toString('base64')}`);
});

test('apiKey in a header, the query or a cookie, next to the call\'s own parameters', async () => {
  await (await shop({ type: 'apiKey', in: 'header', name: 'X-Api-Key', value: 'key-secret-h' }))('tree.get').invoke({}, ctx());
  assert.equal(upstream.last().headers['x-api-key'], 'key-secret-h');

  await (await shop({ type: 'apiKey', in: 'query', name: 'api_key', value: 'key secret/q' }))('items.get').invoke({ itemId: '1', verbose: false }, ctx());
  assert.equal(upstream.last().query, 'verbose=false&api_key=key%20secret%2Fq');

  await (await shop({ type: 'apiKey', in: 'cookie', name: 'auth', value: 'key-secret-c' }))('items.get').invoke({ itemId: '1', session: 'abc' }, ctx());
  assert.equal(upstream.last().headers.cookie, 'session=abc; auth=key-secret-c');
});

test('extra headers from the config go with every request', async () => {
  const tool = await shop(undefined, { headers: { 'X-Tenant': 'acme', Accept: 'application/vnd.test+json' } });
  await tool('tree.get').invoke({}, ctx());
  assert.equal(upstream.last().headers['x-tenant'], 'acme');
  assert.equal(upstream.last().headers.accept, 'application/vnd.test+json');
});

test('oauth2 client credentials: one token request for concurrent calls, cached, refreshed on 401 and on expiry', async () => {
  upstream.state.tokenLifetime = 3600;
  const tool = await shop(
    { type: 'oauth2', tokenUrl: `${upstream.origin}/oauth/token`, clientId: 'client-1', clientSecret: 'client-secret-xyz', scopes: ['read', 'write'], audience: 'shop' },
    { baseUrl: `${upstream.origin}/oauth-api` },
  );
  const calls = Array.from({ length: 5 }, () => tool('tree.get').invoke({}, ctx()));
  const results = await Promise.all(calls);
  assert.equal(upstream.tokenRequests.length, 1, 'concurrent calls share one token request');
  assert.ok(results.every((r) => r.headers.authorization === 'Bearer token-1'));
  const tokenRequest = upstream.tokenRequests[0];
  assert.equal(tokenRequest.method, 'POST');
  assert.equal(tokenRequest.headers.authorization, `Basic ${Buffer.from('client-1:client-secret-xyz').toString('base64')}`);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(tokenRequest.body)), { grant_type: 'client_credentials', scope: 'read write', audience: 'shop' });

  await tool('tree.get').invoke({}, ctx());
  assert.equal(upstream.tokenRequests.length, 1, 'the cached token is reused');

  upstream.state.validTokens.clear(); // the upstream revokes token-1
  const refreshed = await tool('tree.get').invoke({}, ctx());
  assert.equal(refreshed.headers.authorization, 'Bearer token-2', 'a 401 fetches a new token and retries once');
  assert.equal(upstream.tokenRequests.length, 2);

  upstream.state.tokenLifetime = 0; // tokens from now on expire at once
  upstream.state.validTokens.clear();
  await tool('tree.get').invoke({}, ctx()); // 401, then token-3 (already expired)
  await tool('tree.get').invoke({}, ctx()); // token-3 expired: token-4 before the request
  assert.equal(upstream.last().headers.authorization, 'Bearer token-4');
  assert.equal(upstream.tokenRequests.length, 4);
  upstream.state.tokenLifetime = 3600;
});

test('secrets never appear in errors or logs, even when the upstream echoes them', async () => {
  const token = 'bearer-very-secret-token';
  const tool = await shop({ type: 'bearer', token });
  logLines.length = 0;
  await assert.rejects(tool('status.get').invoke({ code: 500 }, ctx()), (error) => {
    assert.match(error.message, /HTTP 500/);
    assert.match(error.message, /\[redacted\]/, 'the echoed header was found and removed');
    assert.ok(!error.message.includes(token));
    assert.ok(!String(error.body).includes(token));
    assert.ok(!JSON.stringify(error).includes(token));
    return true;
  });
  const keyed = await shop({ type: 'apiKey', in: 'query', name: 'k', value: 'query-secret-value' }, { baseUrl: 'http://127.0.0.1:1/v1' });
  await assert.rejects(keyed('tree.get').invoke({}, ctx()), (error) => !error.message.includes('query-secret-value'));
  assert.ok(logLines.length > 0, 'debug logging was on');
  for (const line of logLines) {
    assert.ok(!line.includes(token), line);
    assert.ok(!line.includes('query-secret-value'), line);
  }
  assert.ok(!JSON.stringify(keyed('tree.get')).includes('query-secret-value'), 'nor in the tool itself');
});

test('oauth2 falls back to credentials in the form when the token endpoint refuses HTTP Basic', async () => {
  upstream.tokenRequests.length = 0;
  const tool = await shop(
    { type: 'oauth2', tokenUrl: `${upstream.origin}/oauth/token-form`, clientId: 'client-2', clientSecret: 'form-secret-2' },
    { baseUrl: `${upstream.origin}/oauth-api` },
  );
  const result = await tool('tree.get').invoke({}, ctx());
  assert.match(result.headers.authorization, /^Bearer token-\d+$/);
  assert.equal(upstream.tokenRequests.length, 2, 'Basic first, then the form');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(upstream.tokenRequests[1].body)), { grant_type: 'client_credentials', client_id: 'client-2', client_secret: 'form-secret-2' });
  upstream.state.validTokens.clear();
  await tool('tree.get').invoke({}, ctx());
  assert.equal(upstream.tokenRequests.length, 3, 'the form is remembered: one request per refresh');
});

test('an OAuth2 token endpoint that refuses says so without the secret', async () => {
  const tool = await shop(
    { type: 'oauth2', tokenUrl: `${upstream.origin}/v1/status/401`, clientId: 'c', clientSecret: 'refused-secret-1' },
    { baseUrl: `${upstream.origin}/oauth-api` },
  );
  await assert.rejects(tool('tree.get').invoke({}, ctx()), (error) => {
    assert.match(error.message, /cannot get an OAuth2 token from http:\/\/127\.0\.0\.1:\d+\/v1\/status\/401: HTTP 401/);
    assert.ok(!error.message.includes(Buffer.from('c:refused-secret-1').toString('base64')));
    return true;
  });
});
