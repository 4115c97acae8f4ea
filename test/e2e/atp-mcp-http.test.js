// `atp serve` with server.mcp: true as a real process, driven by the MCP SDK's client over streamable HTTP at /mcp:
// the API key as bearer, the tools over an OpenAPI and an MCP group, sampling and elicitation riding each tool
// call's own stream, a policy violation as a tool error, two sessions isolated (atp.cache, session ids), and a
// reload of the config that the open sessions are told of.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ROOT, call, startAtp } from './serve-harness.js';
import { until } from './mcp-helpers.js';
import { connectHttp, mcpClient, run, startCrm, text, writeConfig } from '../fixtures/atp-mcp/harness.js';

const KEY_A = 'key-of-alice-0123456789';
const KEY_B = 'key-of-bob-0123456789ab';
const ADMIN_KEY = 'admin-key-of-this-test-0123456789abcdef';
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const ACCEPT = { Accept: 'application/json, text/event-stream' };

let crm;
let files;
let atp;
const opened = [];

before(async () => {
  crm = await startCrm();
  files = writeConfig(crm, { server: { mcp: true }, auth: { apiKeys: [KEY_A, KEY_B], adminKey: ADMIN_KEY } });
  atp = await startAtp(JSON.parse(readFileSync(files.file, 'utf8')), { timeoutMs: 60_000 });
});

after(async () => {
  await Promise.allSettled(opened.map((client) => client.close()));
  await atp?.stop();
  await crm?.close();
  files?.remove();
});

async function connect(key, handlers) {
  const made = mcpClient(handlers);
  const transport = await connectHttp(made.client, atp.url, key);
  opened.push(made.client);
  return { ...made, transport };
}

test('/mcp wants one of auth.apiKeys as bearer, refuses web origins server.cors does not allow, and has no GET stream', async () => {
  const none = await call(`${atp.url}/mcp`, { method: 'POST', headers: ACCEPT, body: INITIALIZE });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  assert.match(none.body.error, /an API key is required for \/mcp: send Authorization: Bearer <key>/);
  const wrong = await call(`${atp.url}/mcp`, { method: 'POST', headers: { ...ACCEPT, Authorization: 'Bearer not-a-key-of-this-server' }, body: INITIALIZE });
  assert.equal(wrong.status, 401);
  const get = await call(`${atp.url}/mcp`, { headers: { ...ACCEPT, Authorization: `Bearer ${KEY_A}` } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST, DELETE');
  const browser = await call(`${atp.url}/mcp`, { method: 'POST', headers: { ...ACCEPT, Authorization: `Bearer ${KEY_A}`, Origin: 'http://evil.example' }, body: INITIALIZE });
  assert.equal(browser.status, 403, 'a web origin server.cors does not allow (DNS rebinding)');
  assert.match(browser.body.error, /requests from the web origin http:\/\/evil\.example are refused at \/mcp/);
  const orphan = await call(`${atp.url}/mcp`, { method: 'POST', headers: { ...ACCEPT, Authorization: `Bearer ${KEY_A}` }, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' } });
  assert.equal(orphan.status, 400);
  assert.match(orphan.body.error, /start with an initialize request/);
});

test('over HTTP: the tools, search, explore, and a program over both groups with sampling and elicitation', async () => {
  let approve = true;
  const alice = await connect(KEY_A, {
    sampling: ({ params }) => ({ role: 'assistant', model: 'test', content: { type: 'text', text: `echo: ${params.messages[0].content.text}` } }),
    elicit: () => ({ action: 'accept', content: { approved: approve } }),
  });
  const { tools } = await alice.client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ['execute_code', 'explore_api', 'search_api']);
  assert.match(tools.find((tool) => tool.name === 'execute_code').description, /api\.crm \(openapi, 2 functions\)[\s\S]*api\.files \(mcp, 4 functions\)/);
  assert.match(text(await alice.client.callTool({ name: 'search_api', arguments: { query: 'list a folder' } })), /^api\.files\.listDirectory\(/);
  assert.match(text(await alice.client.callTool({ name: 'explore_api', arguments: { path: '/files' } })), /^\/files\n {2}listDirectory\(\)/);

  const done = await run(alice.client, `
    const c = await api.crm.customers.get({ id: '1' });
    const greeting = await atp.llm.call('Greet ' + c.name);
    await api.files.writeFile({ path: 'greeting.txt', content: greeting });
    return (await api.files.readTextFile({ path: 'greeting.txt' })).content;
  `);
  assert.equal(done.isError, false, done.text);
  assert.equal(done.value.result, 'echo: Greet Ada Lovelace');
  assert.deepEqual(done.value.toolCalls.map((call) => call.name).sort(), ['api.crm.customers.get', 'api.files.readTextFile', 'api.files.writeFile']);
  assert.deepEqual(alice.asked.map((request) => request.method), ['sampling/createMessage', 'elicitation/create']);

  approve = false;
  const denied = await run(alice.client, "try { await api.files.writeFile({ path: 'no.txt', content: 'x' }); } catch (error) { return error.code; }");
  assert.equal(denied.value.result, 'APPROVAL_DENIED');
  assert.equal(existsSync(path.join(files.dir, 'workspace/no.txt')), false);
});

test('over HTTP: a policy violation is a tool error; a client without sampling is told which capability is missing', async () => {
  const bob = await connect(KEY_B);
  const violation = await run(bob.client, "const c = await api.crm.customers.get({ id: '1' }); await api.crm.notes.create({ id: '1', text: c.notes });");
  assert.equal(violation.isError, true);
  assert.match(violation.text, /^security_violation \(SECURITY_VIOLATION\): preventDataExfiltration/);
  const llm = await run(bob.client, "return await atp.llm.call('hi')");
  assert.equal(llm.isError, true);
  assert.match(llm.text, /atp\.llm\.call needs the MCP client to provide sampling .* did not declare the sampling capability/);
});

test('two HTTP sessions are isolated: their own atp.cache, and one caller cannot use the other\'s session id', async () => {
  const first = await connect(KEY_A);
  const second = await connect(KEY_A);
  const stranger = await connect(KEY_B);
  await run(first.client, "await atp.cache.set('note', 'only for the first session'); return true");
  assert.equal((await run(first.client, "return await atp.cache.get('note')")).value.result, 'only for the first session');
  assert.equal((await run(second.client, "return await atp.cache.get('note')")).value.result, null);
  assert.equal((await run(stranger.client, "return await atp.cache.get('note')")).value.result, null);

  const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
  const headers = (key) => ({ ...ACCEPT, Authorization: `Bearer ${key}`, 'Mcp-Session-Id': first.transport.sessionId, 'Mcp-Protocol-Version': '2025-11-25' });
  const stolen = await call(`${atp.url}/mcp`, { method: 'POST', headers: headers(KEY_B), body: list });
  assert.equal(stolen.status, 404);
  assert.match(stolen.body.error, /unknown or expired MCP session/);
  const own = await call(`${atp.url}/mcp`, { method: 'POST', headers: headers(KEY_A), body: list });
  assert.equal(own.status, 200);

  await first.transport.terminateSession();
  const ended = await call(`${atp.url}/mcp`, { method: 'POST', headers: headers(KEY_A), body: list });
  assert.equal(ended.status, 404);
  assert.equal((await run(second.client, "return await atp.cache.get('note')")).value.result, null, 'the other session is untouched');
});

test('a reloaded config: an open session is told on its next call, and the index shows the new group', async () => {
  const changed = [];
  const carol = await connect(KEY_A);
  carol.client.setNotificationHandler(ToolListChangedNotificationSchema, () => changed.push(Date.now()));
  assert.doesNotMatch((await carol.client.listTools()).tools.find((tool) => tool.name === 'execute_code').description, /api\.math/);

  const file = path.join(atp.dir, 'atp.yaml');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.apis.push({ name: 'math', type: 'module', module: path.join(ROOT, 'test/fixtures/modules/math.js') });
  writeFileSync(file, JSON.stringify(config));
  const reloaded = await call(`${atp.url}/admin/reload`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(reloaded.status, 200, JSON.stringify(reloaded.body));

  const { value } = await run(carol.client, 'return await api.math.add({ a: 2, b: 3 })');
  assert.equal(value.result, 5, 'the new group is callable');
  await until(() => changed.length > 0, 'notifications/tools/list_changed');
  const description = (await carol.client.listTools()).tools.find((tool) => tool.name === 'execute_code').description;
  assert.match(description, /- api\.math \(module, 3 functions\)/);
});
