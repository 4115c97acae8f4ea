// The tools' descriptions and the compact index: a small group lists its functions, GitHub's 1,223 operations fit
// in a few thousand characters (its largest folders and a count of the rest), and the policies' hidden functions
// stay out. The call ledger: calls of watched clients counted per execution through the executor's view.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog, loadGroup } from '../../dist/catalog/index.js';
import { loadOpenApiGroup } from '../../dist/catalog/loaders/openapi/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { CallLedger, catalogIndex, toolDefinitions } from '../../dist/mcp-server/index.js';

const require = createRequire(import.meta.url);
const SPEC = require.resolve('@octokit/openapi/generated/api.github.com.json');
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/modules');
const logger = createLogger({ level: 'silent', format: 'text' });
const EXECUTION = { timeout: 30_000, memory: 128e6, llmCalls: 50 };
let dir;
let github;
let math;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'atp-mcp-tools-'));
  github = await loadOpenApiGroup(
    { type: 'openapi', name: 'github', spec: SPEC, baseUrl: 'http://127.0.0.1:9', timeout: 1000, concurrency: 1, retries: 0, description: "GitHub's REST API" },
    { logger, configDir: process.cwd() },
    { cacheDir: path.join(dir, 'cache') },
  );
  math = await loadGroup({ name: 'math', type: 'module', module: path.join(modules, 'math.js'), timeout: 30_000, concurrency: 4 }, { logger, configDir: modules });
});
after(async () => {
  await math?.close();
  await rm(dir, { recursive: true, force: true });
});

test('a small group is indexed by its functions', () => {
  const index = catalogIndex(new Catalog([math]));
  assert.equal(index, '- api.math (module, 3 functions)\n  functions: add, divide, listStats');
});

test("GitHub's 1,223 operations: the index names the largest folders and counts the rest, in a few thousand characters", () => {
  const catalog = new Catalog([github, math]);
  assert.equal(catalog.size, 1226);
  const index = catalogIndex(catalog);
  const [head, folders] = index.split('\n');
  assert.equal(head, "- api.github (openapi, 1223 functions): GitHub's REST API");
  assert.match(folders, /^ {2}folders: repos \(\d+\), actions \(\d+\), orgs \(\d+\), issues \(\d+\)/);
  assert.equal(folders.match(/\(\d+\)/g).length, 10);
  const [, more] = /; (\d+) more folders$/.exec(folders);
  assert.ok(Number(more) > 30, folders);
  assert.doesNotMatch(index, /issues\.create|listForRepo/, 'no function names for a large group');

  const tools = toolDefinitions(catalog, EXECUTION);
  const chars = JSON.stringify(tools).length;
  assert.ok(chars < 4_000, `the three tools take ${chars} characters of JSON`);
  assert.match(tools[0].description, /apiGroups \(github, math\)/);
});

test("policies' hidden functions are not indexed", () => {
  const catalog = new Catalog([math], { visible: (id) => id !== 'math.divide' });
  assert.equal(catalogIndex(catalog), '- api.math (module, 2 functions)\n  functions: add, listStats');
});

test('execute_code states the rules and the limits of a run', () => {
  const { description, inputSchema } = toolDefinitions(new Catalog([math]), { timeout: 7_500, memory: 64e6, llmCalls: 3 })[2];
  assert.match(description, /`return` the value you want back/);
  assert.match(description, /`await api\.<group>\.<function>\(input\)`/);
  assert.match(description, /throws an Error you can catch/);
  assert.match(description, /Limits per run: 7\.5 s, 64 MB, 3 atp\.llm calls\./);
  assert.deepEqual(inputSchema.required, ['code']);
});

test('the ledger counts the calls of watched clients per execution, and forgets an execution once done', async () => {
  const catalog = new Catalog([math]);
  const ledger = new CallLedger();
  const view = ledger.view(catalog);
  const call = (id, executionId, clientId) => view.get(id).tool.invoke({ a: 1, b: 2 }, { signal: new AbortController().signal, executionId, clientId });
  ledger.watch('mcp-client');
  assert.equal(await call('math.add', 'ex1', 'mcp-client'), 3, 'the call runs the function itself');
  await call('math.add', 'ex1', 'mcp-client');
  await call('math.divide', 'ex1', 'mcp-client');
  await call('math.add', 'ex2', 'http-client');
  assert.deepEqual(ledger.calls('ex1', false), [{ name: 'api.math.add', count: 2 }, { name: 'api.math.divide', count: 1 }]);
  assert.deepEqual(ledger.calls('ex2', true), [], 'an unwatched client is not counted');
  assert.equal(ledger.calls('ex1', true).length, 2);
  assert.deepEqual(ledger.calls('ex1', true), [], 'forgotten once done');

  const twice = ledger.view(view);
  await twice.get('math.add').tool.invoke({ a: 1, b: 1 }, { signal: new AbortController().signal, executionId: 'ex4', clientId: 'mcp-client' });
  assert.deepEqual(ledger.calls('ex4', true), [{ name: 'api.math.add', count: 1 }], 'a view of a view counts a call once');
  assert.equal(view.size, catalog.size, 'the view shares the catalog');
  assert.equal(view.get('math.add').tool.description, catalog.get('math.add').tool.description);
  assert.equal(view.get('math.nope'), undefined);
  ledger.unwatch('mcp-client');
  await call('math.add', 'ex3', 'mcp-client');
  assert.deepEqual(ledger.calls('ex3', true), []);
});
