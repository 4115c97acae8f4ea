// `atp mcp` as a real process driven by the MCP SDK's client over stdio: the three tools and their index, search,
// explore, one program calling an OpenAPI group (a loopback CRM) and an MCP group (examples/mcp/files-server.js),
// logs and progress as notifications, atp.llm through sampling, approvals through elicitation (approve, deny,
// decline), a data-flow rule's violation as a tool error, a cancelled tool call, and a client without sampling or
// elicitation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LoggingMessageNotificationSchema, ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ROOT } from './serve-harness.js';
import { until } from './mcp-helpers.js';
import { connectStdio, mcpClient, run, startCrm, text, writeConfig } from '../fixtures/atp-mcp/harness.js';

let crm;
let config;
let main;
let conn;
const logs = [];
const progress = [];
let approval = () => ({ action: 'accept', content: { approved: true } });

before(async () => {
  crm = await startCrm();
  config = writeConfig(crm, { audit: { sinks: [{ type: 'file', path: './audit.jsonl' }] } }, [{ name: 'noisy', type: 'module', module: path.join(ROOT, 'test/fixtures/atp-mcp/noisy.js') }]);
  main = mcpClient({
    sampling: ({ params }) => {
      const prompt = params.messages[0].content.text;
      if (/JSON Schema/.test(params.systemPrompt ?? '')) return { role: 'assistant', model: 'test-model', content: { type: 'text', text: '```json\n{"city":"London"}\n```' } };
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `summary: ${prompt}` } };
    },
    elicit: () => approval(),
  });
  main.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => logs.push(notification.params));
  // the SDK client drops a progress notification that reaches it in the same read as the result: kept here instead
  main.client.setNotificationHandler(ProgressNotificationSchema, (notification) => progress.push(notification.params));
  conn = await connectStdio(main.client, config.file);
});

after(async () => {
  await main?.client.close();
  await crm?.close();
  config?.remove();
});

test('lists search_api, explore_api and execute_code; execute_code carries the rules and the index of both groups', async () => {
  const { tools } = await main.client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ['execute_code', 'explore_api', 'search_api']);
  const execute = tools.find((tool) => tool.name === 'execute_code').description;
  assert.match(execute, /- api\.crm \(openapi, 2 functions\): Customers and their notes\n {2}functions: customers\.get, notes\.create/);
  assert.match(execute, /- api\.files \(mcp, 4 functions\): Files of a workspace\n {2}functions: listDirectory, readTextFile, writeFile, searchFiles/);
  assert.match(execute, /`return` the value you want back/);
  assert.match(execute, /throws an Error you can catch/);
  assert.match(tools.find((tool) => tool.name === 'search_api').description, /apiGroups \(crm, files, noisy\)/);
});

test('search_api answers ranked signatures; explore_api lists folders and declares a function in full', async () => {
  const found = text(await main.client.callTool({ name: 'search_api', arguments: { query: 'get a customer by id' } }));
  assert.match(found.split('\n')[0], /^api\.crm\.customers\.get\(input: \{ id: string \}\): Promise</);
  const scoped = text(await main.client.callTool({ name: 'search_api', arguments: { query: 'read a file', apiGroups: ['files'], maxResults: 2 } }));
  assert.ok(scoped.split('\n').filter((line) => line.startsWith('api.')).every((line) => line.startsWith('api.files.')), scoped);

  const root = text(await main.client.callTool({ name: 'explore_api', arguments: { path: '/' } }));
  assert.match(root, /^\/\n {2}crm\/ {2}Customers and their notes\n {2}files\/ {2}Files of a workspace/);
  const fn = text(await main.client.callTool({ name: 'explore_api', arguments: { path: '/crm/customers/get' } }));
  assert.match(fn, /^\/crm\/customers\/get: call it as api\.crm\.customers\.get\(input: \{ id: string \}\)/);
  assert.match(fn, /declare const api: \{/);
  assert.match(fn, /email\?: string/, 'the output type is declared in full');
  const missing = await main.client.callTool({ name: 'explore_api', arguments: { path: '/crm/nope' } });
  assert.equal(missing.isError, true);
  assert.match(text(missing), /nothing at \/crm\/nope; explore_api with path "\/" lists the groups/);
});

test('execute_code runs one program over the OpenAPI and the MCP group: result, logs, the calls it made, notifications', async () => {
  logs.length = 0;
  progress.length = 0;
  const { isError, value, text: raw } = await run(main.client, `
    const [customer, file] = await Promise.all([api.crm.customers.get({ id: '1' }), api.files.readTextFile({ path: 'hello.txt' })]);
    const again = await api.crm.customers.get({ id: '1' });
    console.log('read', customer.name);
    atp.progress.report('halfway', 0.5);
    return { name: again.name, file: file.content.trim() };
  `, { onprogress: () => undefined }); // asks for progress: the request carries a progressToken
  assert.equal(isError, false, raw);
  assert.deepEqual(value.result, { name: 'Ada Lovelace', file: 'hello from the workspace' });
  assert.deepEqual(value.logs, ['[info] read Ada Lovelace']);
  assert.deepEqual(value.toolCalls, [{ name: 'api.crm.customers.get', count: 2 }, { name: 'api.files.readTextFile', count: 1 }]);
  assert.equal(crm.requests.filter((request) => request.path === '/customers/1').length >= 2, true);
  await until(() => progress.length > 0, 'the progress notification');
  assert.deepEqual(progress.map(({ progress: p, total, message }) => ({ p, total, message })), [{ p: 50, total: 100, message: 'halfway' }]);
  assert.notEqual(progress[0].progressToken, undefined);
  await until(() => logs.some((entry) => entry.data === 'read Ada Lovelace' && entry.level === 'info' && entry.logger === 'atp'), 'the log notification');
});

test("a module's console.log goes to stderr: stdout carries only MCP", async () => {
  const { value } = await run(main.client, "return (await api.noisy.shout({ text: 'hi' })).text");
  assert.equal(value.result, 'HI');
  await until(() => conn.stderr().includes('noisy module says hi'), 'the console line on stderr');
});

test('atp.llm.call and atp.llm.extract are answered by the client through sampling', async () => {
  main.asked.length = 0;
  const { value, text: raw } = await run(main.client, `
    const c = await api.crm.customers.get({ id: '1' });
    const summary = await atp.llm.call({ prompt: 'Summarize ' + c.name, systemPrompt: 'Be brief', temperature: 0 });
    const place = await atp.llm.extract({ prompt: 'Where does Ada live?', schema: { type: 'object', properties: { city: { type: 'string' } } } });
    return { summary, city: place.city };
  `);
  assert.ok(value, raw);
  assert.deepEqual(value.result, { summary: 'summary: Summarize Ada Lovelace', city: 'London' });
  const [first, second] = main.asked;
  assert.equal(first.method, 'sampling/createMessage');
  assert.equal(first.params.systemPrompt, 'Be brief');
  assert.equal(first.params.temperature, 0);
  assert.match(second.params.systemPrompt, /matches this JSON Schema, and nothing else: \{"type":"object"/);
});

test('a gated call approved through elicitation runs; denied or declined, the code gets APPROVAL_DENIED', async () => {
  main.asked.length = 0;
  approval = () => ({ action: 'accept', content: { approved: true } });
  const approved = await run(main.client, "return await api.files.writeFile({ path: 'approved.txt', content: 'yes' })");
  assert.equal(approved.isError, false, approved.text);
  assert.equal(readFileSync(path.join(config.dir, 'workspace/approved.txt'), 'utf8'), 'yes');
  assert.equal(main.asked[0].method, 'elicitation/create');
  assert.match(main.asked[0].params.message, /^Allow the call api\.files\.writeFile\?/);
  assert.deepEqual(main.asked[0].params.requestedSchema.required, ['approved']);

  approval = () => ({ action: 'accept', content: { approved: false, reason: 'not today' } });
  const caught = await run(main.client, `
    try { await api.files.writeFile({ path: 'denied.txt', content: 'no' }); return 'written'; }
    catch (error) { return error.code + ': ' + error.message; }
  `);
  assert.equal(caught.value.result, 'APPROVAL_DENIED: api.files.writeFile was not approved: not today; the call was not made');
  approval = () => ({ action: 'decline' });
  const uncaught = await run(main.client, "await api.files.writeFile({ path: 'denied.txt', content: 'no' }); return 'written'");
  assert.equal(uncaught.isError, true);
  assert.match(uncaught.text, /^failed \(EXECUTION_FAILED\): api\.files\.writeFile was not approved: the person chose to decline; the call was not made/);
  assert.equal(existsSync(path.join(config.dir, 'workspace/denied.txt')), false);

  approval = () => ({ action: 'accept', content: { approved: true } });
  const asked = await run(main.client, "return (await atp.approval.request('Deploy now?', { env: 'prod' })).approved");
  assert.equal(asked.value.result, true);
  assert.match(main.asked.at(-1).params.message, /^Deploy now\?\n\n\{\n {2}"env": "prod"/);
});

test("a data-flow rule's violation is a tool error the model can act on, and the call never leaves", async () => {
  const before = crm.requests.length;
  const { isError, text: message } = await run(main.client, "const c = await api.crm.customers.get({ id: '1' }); await api.crm.notes.create({ id: '1', text: c.notes }); return 'sent'");
  assert.equal(isError, true);
  assert.match(message, /^security_violation \(SECURITY_VIOLATION\): preventDataExfiltration: api\.crm\.notes\.create would send data read from api\.crm\.customers\.get/);
  assert.match(message, /hint: a policy of this server stopped the code/);
  assert.match(message, /API calls made: api\.crm\.customers\.get x1/);
  assert.equal(crm.requests.slice(before).some((request) => request.method === 'POST'), false);
});

test('a failed program is a tool error with its place in the code; a bad input is one too', async () => {
  const failed = await run(main.client, "const x = 1;\nthrow new Error('boom')");
  assert.equal(failed.isError, true);
  assert.match(failed.text, /^failed \(EXECUTION_FAILED\): boom\n {4}at agent\.ts:2:7/);
  const empty = await main.client.callTool({ name: 'execute_code', arguments: { code: ' ' } });
  assert.equal(empty.isError, true);
  assert.match(text(empty), /code must be a non-empty string/);
});

test('a client without sampling or elicitation: the code gets an error naming the missing capability', async () => {
  const bare = mcpClient();
  await connectStdio(bare.client, config.file);
  try {
    const llm = await run(bare.client, "try { await atp.llm.call('hi'); } catch (error) { return error.message; }");
    assert.match(llm.value.result, /^atp\.llm\.call needs the MCP client to provide sampling .* did not declare the sampling capability/);
    const gated = await run(bare.client, "await api.files.writeFile({ path: 'x.txt', content: 'x' })");
    assert.equal(gated.isError, true);
    assert.match(gated.text, /api\.files\.writeFile needs a person's approval \(policies\), and this MCP client did not declare the elicitation capability/);
    assert.equal(existsSync(path.join(config.dir, 'workspace/x.txt')), false);
  } finally {
    await bare.client.close();
  }
});

test('a tool call the client cancels ends its execution as cancelled', async () => {
  logs.length = 0;
  const controller = new AbortController();
  const code = "atp.log.info('spinning'); for (;;) await api.crm.customers.get({ id: '1' });";
  const call = main.client.callTool({ name: 'execute_code', arguments: { code } }, undefined, { signal: controller.signal });
  await until(() => logs.some((entry) => entry.data === 'spinning'), 'the run to start');
  controller.abort();
  await assert.rejects(call, /abort/i);
  const auditFile = path.join(config.dir, 'audit.jsonl');
  const ended = await until(() => existsSync(auditFile) && readFileSync(auditFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line)).find((event) => event.event === 'execution.end' && event.status === 'cancelled'), 'the execution to end as cancelled');
  assert.ok(ended.executionId);
  assert.equal((await run(main.client, 'return 2')).value.result, 2, 'the session goes on');
});
