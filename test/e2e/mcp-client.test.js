// The real MCP servers from npm (server-everything, server-filesystem) and a module group, driven through
// `atp serve` by the official ATP client only: results, caught errors, progress, definitions with learned
// types, search, explore, and a clean SIGTERM shutdown that leaves no MCP child behind (asserted by pid).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentToolProtocolClient } from '@mondaydotcomorg/atp-client';
// the client logs JSON lines to stdout through its runtime's logger; keep test output clean
import { initializeLogger } from '@mondaydotcomorg/atp-runtime';
import { startAtp } from './serve-harness.js';
import { childPids, alive, until } from './mcp-helpers.js';

initializeLogger({ level: 'none' });

const here = path.dirname(fileURLToPath(import.meta.url));
const resolve = createRequire(import.meta.url).resolve;
const everything = resolve('@modelcontextprotocol/server-everything/dist/index.js');
const filesystem = resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
const mathModule = path.join(here, '../fixtures/modules/math.js');
// realpath: the filesystem server compares resolved paths, and /tmp may be a link
const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'atp-client-fs-')));

let atp;
let client;
let stopped = false;

before(async () => {
  atp = await startAtp({
    apis: [
      { name: 'everything', type: 'mcp', command: process.execPath, args: [everything, 'stdio'], env: { ATP_E2E_MARK: 'on' } },
      { name: 'files', type: 'mcp', command: process.execPath, args: [filesystem, dir] },
      { name: 'math', type: 'module', module: mathModule },
    ],
  }, { timeoutMs: 60_000 });
  client = new AgentToolProtocolClient({ baseUrl: atp.url });
  await client.init({ name: 'mcp-client-e2e', version: '1' });
  await client.connect();
});

after(async () => {
  if (atp && !stopped) await atp.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(code) {
  const result = await client.execute(code);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  return result.result;
}

test('connect lists the three groups; the definitions declare MCP tools under identifier-safe names', async () => {
  const connected = await client.connect();
  assert.deepEqual([...connected.apiGroups].sort(), ['everything', 'files', 'math']);
  const definitions = client.getTypeDefinitions();
  for (const name of ['echo', 'getSum', 'triggerLongRunningOperation', 'getStructuredContent', 'writeFile', 'readTextFile', 'listDirectory', 'listStats', 'divide']) {
    assert.match(definitions, new RegExp(`\\b${name}\\(input`), `${name} is declared`);
  }
  // the MCP names with dashes and underscores never appear as member names
  for (const name of ['get-sum', 'trigger-long-running-operation', 'read_text_file', 'list-stats']) {
    assert.doesNotMatch(definitions, new RegExp(`['"]?${name}['"]?\\(input`), `${name} is not a member name`);
  }
  // a declared output schema is typed, not learned
  const structured = definitions.split('\n').find((line) => line.includes('getStructuredContent('));
  assert.match(structured, /temperature: number/);
  assert.doesNotMatch(structured, /inferred from observed results/);
});

test('echo and get-sum give the server\'s answers; structured content comes back as an object', async () => {
  const result = await run(`
    const echo = await api.everything.echo({ message: "hello from the agent" });
    const sum = await api.everything.getSum({ a: 19, b: 23 });
    const weather = await api.everything.getStructuredContent({ location: "Los Angeles" });
    return { echo, sum, weather, kind: typeof weather, humid: weather.humidity + 2 };`);
  assert.deepEqual(result, {
    echo: 'Echo: hello from the agent',
    sum: 'The sum of 19 and 23 is 42.',
    weather: { temperature: 73, conditions: 'Sunny / Clear', humidity: 48 },
    kind: 'object',
    humid: 50,
  });
});

test('an MCP tool error is an Error the agent\'s code catches, and the execution goes on', async () => {
  const result = await run(`
    let caught = null;
    try {
      await api.everything.echo({ message: 5 });
    } catch (error) {
      caught = { isError: error instanceof Error, message: error.message };
    }
    const after = await api.everything.echo({ message: "still here" });
    return { caught, after };`);
  assert.equal(result.caught.isError, true);
  assert.match(result.caught.message, /^api\.everything\.echo: invalid input: "message" must be a string, not the number 5$/);
  assert.equal(result.after, 'Echo: still here');
});

test('the long-running operation reports its MCP progress through executeStream\'s onProgress', async () => {
  const progress = [];
  const events = [];
  const result = await client.executeStream(
    'return await api.everything.triggerLongRunningOperation({ duration: 0.6, steps: 3 })',
    {},
    (event) => events.push(event.type),
    (message, fraction) => progress.push([message, fraction]),
  );
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(result.result, 'Long running operation completed. Duration: 0.6 seconds, Steps: 3.');
  // the SDK may drop a notification read together with the result, so the last step can be missing
  assert.ok(progress.length >= 2, JSON.stringify(progress));
  assert.deepEqual(progress.map(([, fraction]) => fraction), [1 / 3, 2 / 3, 1].slice(0, progress.length));
  assert.match(progress[0][0], /1\/3/);
  assert.equal(events.at(-1), 'result');
});

test('filesystem: write, read back and list in one execution; a path outside the directory is a caught error', async () => {
  const file = path.join(dir, 'notes.txt');
  const result = await run(`
    const file = ${JSON.stringify(file)};
    const written = await api.files.writeFile({ path: file, content: "alpha\\nbeta\\n" });
    const read = await api.files.readTextFile({ path: file });
    await api.files.createDirectory({ path: ${JSON.stringify(path.join(dir, 'sub'))} });
    const listing = await api.files.listDirectory({ path: ${JSON.stringify(dir)} });
    return { written, read, entries: listing.content.split("\\n").sort() };`);
  assert.match(result.written.content, /^Successfully wrote to .*notes\.txt$/);
  assert.deepEqual(result.read, { content: 'alpha\nbeta\n' });
  assert.deepEqual(result.entries, ['[DIR] sub', '[FILE] notes.txt']);
  assert.equal(readFileSync(file, 'utf8'), 'alpha\nbeta\n', 'the file is really on disk');

  const outside = await run(`
    try {
      await api.files.readTextFile({ path: "/etc/hostname" });
      return "no error";
    } catch (error) {
      return error.message;
    }`);
  assert.match(outside, /Access denied - path outside allowed directories/);
});

test('module group: results of two functions, and the throwing one\'s message caught by the agent', async () => {
  const result = await run(`
    const sum = await api.math.add({ a: 2, b: 3 });
    const stats = await api.math.listStats({ values: [2, 4, 9] });
    try {
      await api.math.divide({ a: 1, b: 0 });
      return "no error";
    } catch (error) {
      return { sum, stats, caught: error.message };
    }`);
  assert.equal(result.sum, 5);
  assert.deepEqual(result.stats, { count: 3, sum: 15, mean: 5 });
  assert.match(result.caught, /cannot divide by zero/);
});

test('after a few calls, the definitions show the learned type of a tool without an output schema', async () => {
  await client.connect();
  const line = (text) => text.split('\n').find((entry) => entry.includes('getEnv('));
  assert.match(line(client.getTypeDefinitions()), /Promise<unknown>/, 'nothing learned before the first call');
  const mark = await run('const a = await api.everything.getEnv({}); const b = await api.everything.getEnv({}); return [a.ATP_E2E_MARK, b.ATP_E2E_MARK];');
  assert.deepEqual(mark, ['on', 'on'], 'the configured env reaches the server and its JSON text is parsed');
  // the learned type reaches the definitions once the catalog has heard of it
  const learned = await until(async () => {
    await client.connect();
    const text = client.getTypeDefinitions();
    return /inferred from observed results/.test(line(text)) ? text : null;
  }, 'the learned type in the definitions');
  assert.doesNotMatch(line(learned), /Promise<unknown>/);
  assert.match(line(learned), /ATP_E2E_MARK: string/);
});

test('search finds MCP tools by what they do', async () => {
  const echo = await client.searchAPI('echoes back the input string');
  assert.equal(`${echo[0].apiGroup}.${echo[0].functionName}`, 'everything.echo', JSON.stringify(echo.slice(0, 3)));
  const files = await client.searchAPI('write a file', { apiGroups: ['files'] });
  assert.ok(files.length > 0);
  assert.ok(files.every((result) => result.apiGroup === 'files'));
  assert.ok(files.slice(0, 3).some((result) => result.functionName === 'writeFile'), JSON.stringify(files.slice(0, 3)));
});

test('explore lists the groups and reaches an MCP function', async () => {
  const root = await client.exploreAPI('/');
  assert.equal(root.type, 'directory');
  const groups = root.items.filter((item) => item.type === 'directory').map((item) => item.name).sort();
  assert.deepEqual(groups, ['everything', 'files', 'math']);
  const everythingDir = await client.exploreAPI('/everything');
  assert.ok(everythingDir.items.some((item) => item.name === 'getSum' && item.type === 'function'));
  const getSum = await client.exploreAPI('/everything/getSum');
  assert.equal(getSum.type, 'function');
  assert.equal(getSum.path, '/everything/getSum');
  assert.equal(getSum.group, 'everything');
  assert.equal(getSum.sourceName, 'get-sum', 'the MCP tool name is kept');
  assert.match(getSum.description, /Returns the sum of two numbers/);
  assert.deepEqual(getSum.inputSchema.required, ['a', 'b']);
  assert.equal(getSum.inputSchema.properties.a.type, 'number');
  assert.match(getSum.definition, /getSum\(input/);
});

test('SIGTERM: atp serve exits 0 and no MCP child process remains', async () => {
  const children = [...childPids(everything, atp.child.pid), ...childPids(filesystem, atp.child.pid)];
  assert.equal(children.length, 2, `one everything and one filesystem server are children of atp: ${children}`);
  assert.ok(children.every(alive));
  const result = await atp.stop('SIGTERM');
  stopped = true;
  assert.deepEqual(result, { code: 0, signal: null });
  // atp waits for its children before exiting, so none may outlive it (a zombie counts as gone)
  for (const pid of children) assert.ok(!alive(pid), `process ${pid} is gone after shutdown`);
});
