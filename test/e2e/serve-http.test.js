// `atp serve` as a real process: sessions, auth, bad input and its exact errors, CORS, health, shutdown.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { AgentToolProtocolClient } from '@mondaydotcomorg/atp-client';
import { initializeLogger } from '@mondaydotcomorg/atp-runtime';
import { signToken } from '../../dist/session/index.js';
import { startAtp, failingAtp, call, openSession, ROOT, waitForOutput } from './serve-harness.js';
import { startUpstream, compatApis } from './compat-fixtures.js';

// the official client logs JSON to stdout through its runtime's logger
initializeLogger({ level: 'none' });

const SECRET = 'e2e-secret-e2e-secret-e2e-secret-0001';
const MATH = { name: 'math', type: 'module', module: path.join(ROOT, 'test/fixtures/modules/math.js') };

describe('atp serve: protocol edges', () => {
  let atp;
  let url;
  before(async () => {
    atp = await startAtp({
      server: { bodyLimit: '4KiB', cors: { origins: ['https://app.example'], maxAge: '10m' } },
      auth: { jwtSecret: SECRET, tokenTTL: '1h', tokenRotation: '30m' },
      execution: { maxTimeout: '2m', maxMemory: '256MiB', llmCalls: 10, maxLLMCalls: 50 },
      apis: [MATH],
    });
    url = atp.url;
  });
  after(async () => atp?.stop());

  test('prints a start-up summary: groups, functions, store, address', () => {
    const log = atp.stderr();
    assert.match(log, /loaded 1 API group with 3 functions: math \(module, 3 functions/);
    assert.match(log, /state store memory:\/\/ \(this process only\)/);
    assert.match(log, /listening on http:\/\/127\.0\.0\.1:\d+ \(ready in \d+ ms\)/);
    assert.doesNotMatch(log, /jwtSecret is not set/);
  });

  test('healthz and readyz answer while serving', async () => {
    assert.deepEqual((await call(`${url}/healthz`)).body, { status: 'ok' });
    const ready = await call(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    assert.equal(ready.body.functions, 3);
  });

  test('init answers a client id, a token, expiresAt and tokenRotateAt from auth settings', async () => {
    const before = Date.now();
    const { status, body } = await call(`${url}/api/init`, { method: 'POST', body: { clientInfo: { name: 't' } } });
    assert.equal(status, 200);
    assert.match(body.clientId, /^cli_[0-9a-f]{32}$/);
    assert.equal(body.token.split('.').length, 3);
    assert.ok(Math.abs(body.expiresAt - (before + 3_600_000)) < 5_000, `expiresAt ${body.expiresAt}`);
    assert.ok(Math.abs(body.tokenRotateAt - (before + 1_800_000)) < 5_000, `tokenRotateAt ${body.tokenRotateAt}`);
  });

  test('guidance given at init comes back with the definitions of that session', async () => {
    const session = await openSession(url, { guidance: 'prefer math.add' });
    const answer = await call(`${url}/api/definitions?apiGroups=math`, { headers: session.headers });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.guidance, 'prefer math.add');
    assert.deepEqual(answer.body.apiGroups, ['math']);
    assert.match(answer.body.typescript, /declare const api/);
    assert.equal((await call(`${url}/api/definitions`)).body.guidance, undefined);
  });

  test('info reports the configured maxima as limits', async () => {
    const { status, body } = await call(`${url}/api/info`);
    assert.equal(status, 200);
    assert.equal(typeof body.version, 'string');
    assert.deepEqual(body.limits, { maxTimeout: 120_000, maxMemory: 256 * 1024 * 1024, maxLLMCalls: 50 });
    assert.equal(body.capabilities.streaming, true);
  });

  test('malformed JSON is 400, a non-object body is 400, an oversized body is 413: all JSON', async () => {
    const bad = await call(`${url}/api/init`, { method: 'POST', raw: '{"clientInfo": ' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^request body is not valid JSON: /);
    assert.equal(typeof bad.body.requestId, 'string');
    const list = await call(`${url}/api/init`, { method: 'POST', body: [1, 2] });
    assert.equal(list.status, 400);
    assert.equal(list.body.error, 'request body must be a JSON object');
    const big = await call(`${url}/api/init`, { method: 'POST', body: { clientInfo: { pad: 'x'.repeat(5000) } } });
    assert.equal(big.status, 413);
    assert.equal(big.body.error, 'request body is larger than the limit of 4096 bytes (server.bodyLimit)');
    // the server still answers after refusing
    assert.equal((await call(`${url}/healthz`)).status, 200);
  });

  test('init refuses bad tool definitions and services naming the field', async () => {
    const cases = [
      [{ tools: { name: 'x' } }, 'tools must be an array of tool definitions'],
      [{ tools: [{ name: 't', inputSchema: { type: 'object' } }] }, "invalid tool definition for 't': description is required (a string)"],
      [{ tools: [{ name: 't', description: 'd' }] }, "invalid tool definition for 't': inputSchema is required (a JSON Schema object)"],
      [{ tools: [{ description: 'd', inputSchema: {} }] }, 'invalid tool definition tools[0]: name is required (a non-empty string)'],
      [{ services: { hasLLM: 'yes' } }, 'services.hasLLM must be true or false'],
      [{ clientInfo: 'me' }, 'clientInfo must be an object'],
      [{ tools: [{ name: 'add', namespace: 'math', description: 'd', inputSchema: {} }] }, "invalid tool definition for 'add': api.math.add is already a server function or namespace; choose another name or namespace"],
      [{ tools: [{ name: 't', description: 'd', inputSchema: {} }, { name: 't', description: 'e', inputSchema: {} }] }, 'invalid tool definitions: two tools are named client.t'],
    ];
    for (const [body, message] of cases) {
      const answer = await call(`${url}/api/init`, { method: 'POST', body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error, message);
    }
  });

  test('executions need a session: missing, invalid, foreign, expired and forgotten credentials are 401', async () => {
    const a = await openSession(url);
    const b = await openSession(url);
    const execute = (headers) => call(`${url}/api/execute`, { method: 'POST', headers, body: { code: 'return 1' } });
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken({ sub: a.clientId, iat: now - 7200, exp: now - 3600, jti: 'x' }, Buffer.from(SECRET));
    const forgotten = 'cli_00000000000000000000000000000000';
    const unknown = signToken({ sub: forgotten, iat: now, exp: now + 3600, jti: 'y' }, Buffer.from(SECRET));
    const cases = [
      [{}, /^missing X-Client-ID header/],
      [{ 'X-Client-ID': a.clientId }, /^missing bearer token/],
      [{ 'X-Client-ID': a.clientId, Authorization: 'Bearer nope' }, /^invalid token: /],
      [{ 'X-Client-ID': a.clientId, Authorization: `Bearer ${b.token}` }, /^invalid token: it was issued to another client id/],
      [{ 'X-Client-ID': a.clientId, Authorization: `Bearer ${expired}` }, /^the session token expired: call POST \/api\/init/],
      [{ 'X-Client-ID': forgotten, Authorization: `Bearer ${unknown}` }, /^unknown or expired session/],
    ];
    for (const [headers, message] of cases) {
      const answer = await execute(headers);
      assert.equal(answer.status, 401, JSON.stringify(headers));
      assert.match(answer.body.error, message);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
    }
    const resume = await call(`${url}/api/resume/some-id`, { method: 'POST', body: { result: 1 } });
    assert.equal(resume.status, 401);
  });

  test('wrong field types in execute and resume are 400 naming the field', async () => {
    const { headers } = await openSession(url);
    const cases = [
      [{ code: 5 }, 'code must be a string of TypeScript or JavaScript'],
      [{}, 'code must be a string of TypeScript or JavaScript'],
      [{ code: '  ' }, 'code must be non-empty'],
      [{ code: 'return 1', config: 'fast' }, 'config must be an object'],
      [{ code: 'return 1', config: { timeout: '10s' } }, 'config.timeout must be a positive number of milliseconds'],
      [{ code: 'return 1', config: { maxMemory: -1 } }, 'config.maxMemory must be a positive number of bytes'],
      [{ code: 'return 1', config: { llmCalls: 1.5 } }, 'config.llmCalls must be a whole number, 0 or more'],
      [{ code: 'return 1', config: { allowedAPIs: 'math.*' } }, 'config.allowedAPIs must be an array of strings'],
      [{ code: 'return 1', config: { allowLLMCalls: 'no' } }, 'config.allowLLMCalls must be true or false'],
      [{ code: 'return 1', config: { clientServices: { hasLLM: 1 } } }, 'config.clientServices.hasLLM must be true or false'],
    ];
    for (const [body, message] of cases) {
      for (const endpoint of ['/api/execute', '/api/execute/stream']) {
        const answer = await call(`${url}${endpoint}`, { method: 'POST', headers, body });
        assert.equal(answer.status, 400, `${endpoint} ${JSON.stringify(body)}`);
        assert.equal(answer.body.error, message);
      }
    }
    const resumes = [
      [{}, 'the body needs result (the answer to needsCallback) or results (answers to needsCallbacks, by id)'],
      [{ results: 'x' }, 'results must be an array of {id, result}'],
      [{ results: [{ result: 1 }] }, 'results[0].id must be the id of a callback from needsCallbacks'],
      [{ results: [{ id: 'a' }] }, 'results[0].result is missing'],
    ];
    for (const [body, message] of resumes) {
      const answer = await call(`${url}/api/resume/abc`, { method: 'POST', headers, body });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error, message);
    }
  });

  test('resuming an unknown execution id is 404, without saying whether it exists', async () => {
    const { headers } = await openSession(url);
    const answer = await call(`${url}/api/resume/exe_AAAAAAAAAAAAAAAAAAAAAAAA`, { method: 'POST', headers, body: { result: 1 } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error, 'execution not found: it may have finished, expired, or belong to another client');
  });

  test('discovery endpoints refuse bad input naming the field', async () => {
    const cases = [
      ['POST', '/api/search', {}, 'query must be a non-empty string'],
      ['POST', '/api/search', { query: 'add', apiGroups: 'math' }, 'apiGroups must be an array of group names'],
      ['POST', '/api/search', { query: 'add', maxResults: 0 }, 'maxResults must be a whole number, 1 or more'],
      ['POST', '/api/explore', { path: 3 }, 'path must be a string such as / or /github/issues'],
      ['POST', '/api/explore', { path: '/nope' }, 'Path not found: /nope', 404],
      ['GET', '/api/definitions?apiGroups=nope', undefined, /^apiGroups names nothing for nope; known groups: math/],
      ['GET', '/api/definitions?mode=tiny', undefined, 'mode must be full, index or auto'],
      ['GET', '/api/runtime?apis=llm,fs', undefined, 'unknown runtime API fs in apis; known: llm, approval, embedding, cache, log, progress'],
    ];
    for (const [method, path, body, message, status = 400] of cases) {
      const answer = await call(`${url}${path}`, { method, body });
      assert.equal(answer.status, status, `${method} ${path}`);
      if (message instanceof RegExp) assert.match(answer.body.error, message);
      else assert.equal(answer.body.error, message);
    }
    const search = await call(`${url}/api/search?query=add`);
    assert.equal(search.body.results[0].functionName, 'add');
  });

  test('unknown paths are 404 and wrong methods 405, as JSON', async () => {
    const missing = await call(`${url}/api/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not found: GET /api/nope');
    const wrong = await call(`${url}/api/execute`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assert.match(wrong.body.error, /GET is not allowed on \/api\/execute; use POST/);
  });

  test('CORS: allowed origins get preflight answers and exposed headers; others get none', async () => {
    const preflight = await fetch(`${url}/api/execute`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(preflight.headers.get('access-control-allow-headers'), /Authorization, X-Client-ID/);
    // browser MCP clients of /mcp send these, and end their session with DELETE
    assert.match(preflight.headers.get('access-control-allow-headers'), /Mcp-Session-Id, Mcp-Protocol-Version/);
    assert.match(preflight.headers.get('access-control-allow-methods'), /DELETE/);
    assert.equal(preflight.headers.get('access-control-max-age'), '600');
    const simple = await call(`${url}/api/info`, { headers: { Origin: 'https://app.example' } });
    assert.match(simple.headers.get('access-control-expose-headers'), /X-ATP-Token/);
    assert.match(simple.headers.get('access-control-expose-headers'), /X-ATP-Execution-Id, Mcp-Session-Id/);
    const other = await call(`${url}/api/info`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('request ids: a sane X-Request-ID is echoed, otherwise one is made', async () => {
    const given = await call(`${url}/healthz`, { headers: { 'X-Request-ID': 'trace-123' } });
    assert.equal(given.headers.get('x-request-id'), 'trace-123');
    const made = await call(`${url}/healthz`, { headers: { 'X-Request-ID': 'bad id with spaces' } });
    assert.match(made.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
  });
});

describe('atp serve: API keys and token rotation', () => {
  let atp;
  before(async () => {
    atp = await startAtp({ server: { cors: true }, auth: { apiKeys: ['key-0123456789abcdef'], tokenRotation: 0 }, apis: [MATH] });
  });
  after(async () => atp?.stop());

  test('warns that a random JWT secret is per process', () => {
    assert.match(atp.stderr(), /auth\.jwtSecret is not set: .*instances that share a state store need one shared auth\.jwtSecret/);
  });

  test('init requires a configured API key, by Bearer or X-API-Key', async () => {
    const none = await call(`${atp.url}/api/init`, { method: 'POST', body: {} });
    assert.equal(none.status, 401);
    assert.match(none.body.error, /an API key is required to open a session: send Authorization: Bearer <key> or X-API-Key/);
    const wrong = await call(`${atp.url}/api/init`, { method: 'POST', body: {}, headers: { 'X-API-Key': 'key-0123456789abcdeX' } });
    assert.equal(wrong.status, 401);
    assert.equal((await call(`${atp.url}/api/init`, { method: 'POST', body: {}, headers: { 'X-API-Key': 'key-0123456789abcdef' } })).status, 200);
    assert.equal((await call(`${atp.url}/api/init`, { method: 'POST', body: {}, headers: { Authorization: 'Bearer key-0123456789abcdef' } })).status, 200);
  });

  test('with API keys, discovery endpoints need a session too', async () => {
    const anonymous = await call(`${atp.url}/api/info`);
    assert.equal(anonymous.status, 401);
    const session = await openSession(atp.url, {}, { 'X-API-Key': 'key-0123456789abcdef' });
    assert.equal((await call(`${atp.url}/api/info`, { headers: session.headers })).status, 200);
  });

  test('the official client with an API key adopts each rotated token and keeps working', async () => {
    const sent = [];
    const client = new AgentToolProtocolClient({
      baseUrl: atp.url,
      headers: { 'X-API-Key': 'key-0123456789abcdef' },
      hooks: { preRequest: ({ url, currentHeaders }) => (sent.push([new URL(url).pathname, currentHeaders.Authorization]), {}) },
    });
    const prompts = [];
    client.provideLLM({ call: async (prompt) => (prompts.push(prompt), prompt.toUpperCase()) });
    await client.init({ name: 'rotating' });
    const result = await client.execute('let s = ""; for (const p of ["a", "b", "c"]) s += await atp.llm.call({ prompt: p }); return s');
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.equal(result.result, 'ABC');
    assert.deepEqual(prompts, ['a', 'b', 'c']);
    // execute then three resumes, each sent with the token the previous answer carried
    const tokens = sent.filter(([path]) => path === '/api/execute' || path.startsWith('/api/resume/')).map(([, auth]) => auth);
    assert.equal(tokens.length, 4);
    assert.equal(new Set(tokens).size, 4);
  });

  test('cors: true answers preflights from any origin', async () => {
    const preflight = await fetch(`${atp.url}/api/init`, { method: 'OPTIONS', headers: { Origin: 'https://anywhere.example', 'Access-Control-Request-Method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers'), /X-API-Key/);
  });

  test('a token past tokenRotation comes back with a fresh one in X-ATP-Token', async () => {
    const session = await openSession(atp.url, {}, { 'X-API-Key': 'key-0123456789abcdef' });
    const answer = await call(`${atp.url}/api/info`, { headers: session.headers });
    const fresh = answer.headers.get('x-atp-token');
    assert.ok(fresh && fresh !== session.token);
    assert.ok(Number(answer.headers.get('x-atp-token-expires')) > Date.now());
    const again = await call(`${atp.url}/api/info`, { headers: { ...session.headers, Authorization: `Bearer ${fresh}` } });
    assert.equal(again.status, 200);
  });
});

describe('atp serve: start-up and shutdown', () => {
  test('a group that fails to load fails start-up naming the group and the cause', async () => {
    const { code, stderr } = await failingAtp({ apis: [MATH, { name: 'broken', type: 'module', module: path.join(ROOT, 'test/fixtures/modules/syntax-error.js') }] });
    assert.equal(code, 1);
    assert.match(stderr, /atp: cannot start: API group 'broken' failed to load: /);
  });

  test('an unreachable state store fails start-up naming it', async () => {
    const { code, stderr } = await failingAtp({ state: { store: 'redis://127.0.0.1:1' }, apis: [] });
    assert.equal(code, 1);
    assert.match(stderr, /atp: cannot start: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  test('a port in use fails start-up saying so', async () => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { code, stderr } = await failingAtp({ server: { port: blocker.address().port }, apis: [] });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`127\\.0\\.0\\.1:${blocker.address().port} is already in use`));
    } finally {
      blocker.close();
    }
  });

  test('policies.allow and policies.deny hide functions from definitions, search, explore and agent code; provenance with rules gives no warning', async () => {
    const atp = await startAtp({
      execution: { provenance: 'proxy' },
      policies: { allow: ['math.*'], deny: ['math.divide'], rules: [{ rule: 'preventDataExfiltration', action: 'block' }] },
      apis: [MATH],
    });
    try {
      assert.match(atp.stderr(), /loaded 1 API group with 2 functions \(1 more hidden by policies\.allow and policies\.deny\): math \(module, 3 functions/);
      assert.doesNotMatch(atp.stderr(), /not enforced|no effect|nothing is checked/);
      const session = await openSession(atp.url);
      const definitions = await call(`${atp.url}/api/definitions`, { headers: session.headers });
      assert.match(definitions.body.typescript, /listStats\(/);
      assert.doesNotMatch(definitions.body.typescript, /divide/);
      const search = await call(`${atp.url}/api/search`, { method: 'POST', headers: session.headers, body: { query: 'divide a by b' } });
      assert.ok(search.body.results.every((result) => result.functionName !== 'divide'), JSON.stringify(search.body.results));
      const explore = await call(`${atp.url}/api/explore`, { method: 'POST', headers: session.headers, body: { path: '/math' } });
      assert.deepEqual(explore.body.items.map((item) => item.name).sort(), ['add', 'listStats']);
      const run = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'const seen = typeof api.math.divide;\nreturn [seen, await api.math.add({ a: 1, b: 2 }), await api.math.divide({ a: 1, b: 1 })];' } });
      assert.equal(run.body.status, 'failed');
      assert.match(run.body.error.message, /api\.math\.divide is not a function/);
      assert.equal(run.body.error.line, 2);
    } finally {
      await atp.stop();
    }
  });

  test('SIGTERM drains and exits 0', async () => {
    const atp = await startAtp({ apis: [MATH] });
    const { code, signal } = await atp.stop('SIGTERM');
    assert.equal(code, 0, `exited by ${signal}; stderr:\n${atp.stderr()}`);
    assert.match(atp.stderr(), /SIGTERM: draining/);
    assert.match(atp.stderr(), /stopped/);
  });

  test('SIGTERM lets an execution in flight finish, refuses new work meanwhile, then exits 0', async () => {
    const upstream = await startUpstream();
    const atp = await startAtp({ apis: compatApis(upstream.url) });
    try {
      const session = await openSession(atp.url);
      const running = call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'const r = await api.shop.hold({ tag: "drain" }); return r.tag' } }).catch((error) => error);
      await upstream.held();
      const exited = new Promise((resolve) => atp.child.once('exit', (code) => resolve(code)));
      atp.child.kill('SIGTERM');
      await waitForOutput(atp.child, [atp.child.stderr], () => /SIGTERM: draining/.test(atp.stderr()), 'the drain to start');
      const refused = await call(`${atp.url}/api/execute`, { method: 'POST', headers: session.headers, body: { code: 'return 1' } }).catch((error) => error);
      // the listener is closed (a new connection is refused) and idle keep-alive connections are closed
      if (refused instanceof Error) assert.match(String(refused.cause?.code ?? refused.message), /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/);
      else {
        assert.equal(refused.status, 503);
        assert.match(refused.body.error, /shutting down/);
      }
      upstream.release();
      const finished = await running;
      assert.equal(finished.status, 200, String(finished));
      assert.equal(finished.body.result, 'drain');
      assert.equal(await exited, 0);
    } finally {
      await atp.stop();
      await upstream.close();
    }
  });

  test('SIGINT twice in quick succession (a terminal Ctrl-C) is one request and still exits 0', async () => {
    const atp = await startAtp({ apis: [MATH] });
    const exited = new Promise((resolve) => atp.child.once('exit', (code) => resolve(code)));
    atp.child.kill('SIGINT');
    await waitForOutput(atp.child, [atp.child.stderr], () => /SIGINT: draining/.test(atp.stderr()), 'the first SIGINT to be seen');
    atp.child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.doesNotMatch(atp.stderr(), /exiting without waiting/);
    await atp.stop();
  });
});
