// @modelcontextprotocol/server-everything on stdio, through the catalog's MCP loader.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Keyv from 'keyv';
import { loadGroup, Catalog } from '../../dist/catalog/index.js';
import { recordingLogger, childPids, alive, until, ctx, fn } from './mcp-helpers.js';

const server = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const config = { name: 'everything', type: 'mcp', command: process.execPath, args: [server, 'stdio'], env: { ATP_TEST_FLAG: 'on' }, timeout: 30_000, concurrency: 16, lazy: false };
process.env.ATP_TEST_SECRET = 'the daemon keeps this to itself';
const { logger, lines } = recordingLogger();
const store = new Keyv();
let group;
let catalog;

before(async () => {
  group = await loadGroup(config, { logger, configDir: process.cwd(), store });
  catalog = new Catalog([group]);
});
after(() => catalog?.close());

test('its tools get identifier names; the MCP names are kept', () => {
  const names = new Map(group.tools.map((tool) => [tool.path.join('.'), tool.sourceName]));
  assert.equal(names.get('echo'), 'echo');
  assert.equal(names.get('getSum'), 'get-sum');
  assert.equal(names.get('triggerLongRunningOperation'), 'trigger-long-running-operation');
  assert.equal(names.get('getStructuredContent'), 'get-structured-content');
  assert.ok(group.tools.every((tool) => /^[A-Za-z_$][\w$]*$/.test(tool.path[0])));
  const echo = fn(group, 'echo');
  assert.equal(echo.description, 'Echoes back the input string');
  assert.equal(echo.inputSchema.properties.message.type, 'string');
  assert.deepEqual(echo.annotations, { readOnly: true, destructive: false, idempotent: true, keywords: ['Echo Tool'] });
  assert.ok(catalog.get('everything.getSum'));
});

test('text results stay text, structured content is returned as is, images as documented objects', async () => {
  assert.equal(await fn(group, 'echo').invoke({ message: 'hello' }, ctx()), 'Echo: hello');
  assert.equal(await fn(group, 'getSum').invoke({ a: 2, b: 40 }, ctx()), 'The sum of 2 and 40 is 42.');
  assert.deepEqual(await fn(group, 'getStructuredContent').invoke({ location: 'Chicago' }, ctx()), { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 });
  assert.ok(fn(group, 'getStructuredContent').outputSchema.properties.temperature, 'declared output schemas are kept');
  const image = await fn(group, 'getTinyImage').invoke({}, ctx());
  assert.equal(image.length, 3);
  assert.equal(image[0], "Here's the image you requested:");
  assert.equal(image[1].type, 'image');
  assert.equal(image[1].mimeType, 'image/png');
  assert.ok(Buffer.from(image[1].data, 'base64').subarray(1, 4).equals(Buffer.from('PNG')));
});

test('progress notifications reach the caller', async () => {
  const progress = [];
  const result = await fn(group, 'triggerLongRunningOperation').invoke({ duration: 0.2, steps: 4 }, ctx({ onProgress: (message, fraction) => progress.push([message, fraction]) }));
  assert.match(result, /Long running operation completed/);
  // the SDK drops a progress notification that arrives in the same read as the result, so the last may be missing
  assert.ok(progress.length >= 3, JSON.stringify(progress));
  assert.deepEqual(progress, [['1/4', 0.25], ['2/4', 0.5], ['3/4', 0.75], ['4/4', 1]].slice(0, progress.length));
});

test('errors reach the caller as Errors with the server\'s message', async () => {
  const error = await fn(group, 'echo').invoke({ message: 5 }, ctx()).catch((e) => e);
  assert.ok(error instanceof Error);
  // the server refused the arguments (-32602): VALIDATION_FAILED, in the words of every source's input check
  assert.equal(error.message, 'api.everything.echo: invalid input: "message" must be a string, not the number 5');
  assert.equal(error.code, 'VALIDATION_FAILED');
  await assert.rejects(fn(group, 'getSum').invoke({ a: 1 }, ctx()), { code: 'VALIDATION_FAILED', message: 'api.everything.getSum: invalid input: missing required field "b"' });
});

test('untyped tools learn their output type from a few calls, kept in the store', async () => {
  const env = () => catalog.get('everything.getEnv').tool;
  assert.equal(env().outputInferred, false);
  assert.equal(env().outputSchema, undefined);
  const version = catalog.version;
  const seen = await env().invoke({}, ctx());
  assert.equal(seen.ATP_TEST_FLAG, 'on', 'the configured env reaches the child');
  assert.equal(seen.ATP_TEST_SECRET, undefined, 'the daemon\'s own variables do not');
  await env().invoke({}, ctx());
  assert.ok(catalog.version > version, 'the catalog heard of the learned type');
  assert.equal(env().outputInferred, true);
  const schema = env().outputSchema;
  assert.equal(schema.type, 'object');
  assert.deepEqual(schema.properties.ATP_TEST_FLAG, { type: 'string' });
  assert.ok(schema.required.includes('PATH'));

  for (const [a, b] of [[1, 2], [3, 4]]) await catalog.get('everything.getSum').tool.invoke({ a, b }, ctx());
  assert.deepEqual(catalog.get('everything.getSum').tool.outputSchema, { type: 'string' });
  await group.flush();
  assert.equal((await store.get('atp:outputs:v1:everything:get-env')).v, 1);
});

test('the server\'s stderr goes to the log with the group name', async () => {
  const line = await until(() => lines.find((entry) => entry.msg.includes('Starting default (STDIO) server')), 'the stderr line');
  assert.equal(line.group, 'everything');
  assert.equal(line.stream, 'stderr');
});

test('close() leaves no server process behind', async () => {
  const pids = childPids(server);
  assert.equal(pids.length, 1, `one child running ${server}`);
  await catalog.close();
  await until(() => !alive(pids[0]), `process ${pids[0]} to end`);
  assert.deepEqual(childPids(server), []);
  await assert.rejects(fn(group, 'echo').invoke({ message: 'late' }, ctx()), /closed/);
});
