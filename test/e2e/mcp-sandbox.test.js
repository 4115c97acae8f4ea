// Agent code in the real sandbox calling MCP and module groups through the real executor: results,
// errors caught in the agent's code, progress, and the per-group cap under Promise.all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import { configFromText } from '../../dist/config/index.js';
import { loadGroups, Catalog } from '../../dist/catalog/index.js';
import { createExecutor } from '../../dist/execution/index.js';
import { recordingLogger, until } from './mcp-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const everything = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const modules = path.join(here, '../fixtures/modules');
const yaml = `
apis:
  - name: everything
    type: mcp
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everything)}, stdio]
  - name: math
    type: module
    module: ${JSON.stringify(path.join(modules, 'math.js'))}
  - name: counter
    type: module
    module: ${JSON.stringify(path.join(modules, 'counter.js'))}
    concurrency: 4
    clientConcurrency: 4   # one client here: it may take every slot
`;
const services = { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false };
let catalog;
let executor;

const run = (code, extra = {}) => executor.execute({
  code, clientId: 'client-a', limits: { timeout: 30_000, memory: 64 * 1024 * 1024, llmCalls: 0 }, services, clientTools: [], ...extra,
});

before(async () => {
  const { logger } = recordingLogger('warn');
  const config = configFromText(yaml, { filepath: path.join(here, 'atp.yaml') });
  const state = new Keyv();
  const { groups, failures } = await loadGroups(config.apis, { logger, configDir: config.dir, store: state });
  assert.deepEqual(failures, []);
  catalog = new Catalog(groups);
  executor = createExecutor({ config, catalog, stateStore: state, cacheStore: new Keyv(), logger });
});
after(async () => {
  await executor?.close(5000);
  await catalog?.close();
});

test('MCP and module functions answer agent code', async () => {
  const result = await run(`
    const echoed = await api.everything.echo({ message: 'hi' });
    const weather = await api.everything.getStructuredContent({ location: 'New York' });
    const sum = await api.math.add({ a: 20, b: 22 });
    return { echoed, weather, sum };
  `);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, { echoed: 'Echo: hi', weather: { temperature: 33, conditions: 'Cloudy', humidity: 82 }, sum: 42 });
});

test('an MCP isError and a throwing module function are caught in the agent\'s code', async () => {
  const result = await run(`
    const caught = [];
    try { await api.everything.echo({ message: 5 }); } catch (e) { caught.push(e instanceof Error, e.message, e.code); }
    try { await api.math.divide({ a: 1, b: 0 }); } catch (e) { caught.push(e instanceof Error, e.message); }
    return caught;
  `);
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(result.result[0], true);
  assert.equal(result.result[1], 'api.everything.echo: invalid input: "message" must be a string, not the number 5');
  assert.equal(result.result[2], 'VALIDATION_FAILED', 'the code agents branch on, as for OpenAPI and module functions');
  assert.deepEqual(result.result.slice(3), [true, 'cannot divide by zero']);
});

test('an error not caught fails the execution with the tool\'s message', async () => {
  const result = await run(`return await api.math.divide({ a: 1, b: 0 });`);
  assert.equal(result.status, 'failed');
  assert.match(result.error.message, /cannot divide by zero/);
});

test('MCP progress notifications reach the execution\'s progress stream', async () => {
  const events = [];
  const result = await run(`return await api.everything.triggerLongRunningOperation({ duration: 0.3, steps: 3 });`, { onProgress: (event) => events.push(event) });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.ok(events.length >= 2, JSON.stringify(events));
  assert.deepEqual(events[0].fraction, 1 / 3);
  assert.match(events[0].message, /1\/3/);
});

test('Promise.all over 60 calls to a group capped at 4 keeps 4 in flight', async () => {
  const { state } = await import(path.join(modules, 'counter.js'));
  const pending = run(`return (await Promise.all(Array.from({ length: 60 }, (_, i) => api.counter.hold({ i })))).length;`);
  let released = 0;
  while (released < 60) {
    // wait for a full batch: the cap must be reached, and any excess shows in the peak
    await until(() => state.waiting.length >= Math.min(4, 60 - released), 'a call to arrive');
    assert.ok(state.inFlight <= 4, `${state.inFlight} in flight`);
    const batch = state.waiting.splice(0);
    released += batch.length;
    for (const resolve of batch) resolve();
  }
  const result = await pending;
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(result.result, 60);
  assert.equal(state.peak, 4);
});
