// The life of a stdio MCP group: restarts, waiting calls, tool list changes, lazy start, timeouts, no orphans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import { loadGroup, Catalog, GroupLoadError } from '../../dist/catalog/index.js';
import { configFromText } from '../../dist/config/index.js';
import { createExecutor } from '../../dist/execution/index.js';
import { recordingLogger, childPids, alive, until, ctx, fn } from './mcp-helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/mcp');
const serverFile = path.join(fixtures, 'stdio-server.js');

function config(extra = {}) {
  return { name: 'local', type: 'mcp', command: process.execPath, args: [serverFile], timeout: 10_000, concurrency: 16, lazy: false, ...extra };
}

test('results, errors and names from a small stdio server', async () => {
  const { logger } = recordingLogger();
  const group = await loadGroup(config(), { logger, configDir: fixtures });
  try {
    assert.deepEqual(group.tools.map((tool) => tool.path[0]).sort(), ['addTool', 'blob', 'fail', 'ping', 'sleep', 'userLookup']);
    assert.equal(fn(group, 'userLookup').sourceName, 'user.lookup');
    assert.deepEqual(await fn(group, 'userLookup').invoke({ id: 3 }, ctx()), { id: 3, name: 'user 3', tags: ['odd'] });
    const error = await fn(group, 'fail').invoke({}, ctx()).catch((e) => e);
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'the disk is on fire');
  } finally {
    await group.close();
  }
});

test('a call past the timeout fails clearly and the server stays usable', async () => {
  const { logger } = recordingLogger();
  const group = await loadGroup(config({ timeout: 300 }), { logger, configDir: fixtures });
  try {
    const late = await fn(group, 'sleep').invoke({ ms: 5000 }, ctx()).catch((e) => e);
    assert.match(late.message, /^api\.local\.sleep did not finish within 300 ms \(the group's timeout\)/);
    assert.equal(late.code, 'TIMEOUT_ERROR');
    assert.equal(late.retryable, true);
    assert.equal((await fn(group, 'ping').invoke({}, ctx())).pong, true);
    await until(async () => (await fn(group, 'ping').invoke({}, ctx())).cancelled === 1, 'the server to hear that the late call was cancelled');
    const controller = new AbortController();
    const call = fn(group, 'sleep').invoke({ ms: 5000 }, { signal: controller.signal });
    controller.abort(new Error('the execution was cancelled'));
    await assert.rejects(call, /the execution was cancelled/);
  } finally {
    await group.close();
  }
});

test('aborting the caller\'s signal cancels its calls in flight at the server, at once, and no other call', async () => {
  const { logger } = recordingLogger();
  const group = await loadGroup(config({ timeout: 60_000 }), { logger, configDir: fixtures });
  try {
    const controller = new AbortController();
    const { sleeps } = await fn(group, 'ping').invoke({}, ctx());
    const calls = [fn(group, 'sleep').invoke({ ms: 30_000 }, { signal: controller.signal }), fn(group, 'sleep').invoke({ ms: 30_000 }, { signal: controller.signal })];
    const other = fn(group, 'sleep').invoke({ ms: 200 }, ctx());
    await until(async () => (await fn(group, 'ping').invoke({}, ctx())).sleeps === sleeps + 3, 'all three calls at the server');
    controller.abort(new Error('the execution was cancelled'));
    // ended by the abort: a sleep of 30 s that ran to its end would resolve, not reject
    for (const call of calls) await assert.rejects(call, /the execution was cancelled/);
    await until(async () => (await fn(group, 'ping').invoke({}, ctx())).cancelled === 2, 'the server to hear that both calls were cancelled');
    assert.deepEqual(await other, { slept: 200 });
    // a signal already aborted: the call fails at once, and nothing reaches the server
    await assert.rejects(fn(group, 'sleep').invoke({ ms: 30_000 }, { signal: controller.signal }), /the execution was cancelled/);
    assert.equal((await fn(group, 'ping').invoke({}, ctx())).cancelled, 2);
  } finally {
    await group.close();
  }
});

test('a server that writes a log line to stdout keeps working, and the log says what it wrote', async () => {
  const { logger, lines } = recordingLogger();
  const group = await loadGroup(config({ env: { NOISY_STDOUT: '1' } }), { logger, configDir: fixtures });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await fn(group, 'ping').invoke({}, ctx())).pong, true);
    const warned = lines.filter((line) => /the MCP server wrote something that is not a JSON-RPC message to stdout/.test(line.msg));
    assert.equal(warned.length, 3);
    assert.equal(warned[0].group, 'local');
    assert.equal(warned[0].level, 'warn');
  } finally {
    await group.close();
  }
});

test('an answer above the size limit fails its call at once with the reason; the server goes on', async () => {
  const { logger, lines } = recordingLogger();
  const group = await loadGroup(config(), { logger, configDir: fixtures });
  try {
    await assert.rejects(fn(group, 'blob').invoke({ bytes: 65 * 1024 * 1024 }, ctx()), /api\.local\.blob: .*the MCP server sent a message of \d+ bytes, above the limit of 67108864 bytes for one answer; ask it for less/);
    assert.ok(lines.some((line) => line.level === 'warn' && /above the limit of 67108864 bytes/.test(line.msg)));
    assert.equal((await fn(group, 'blob').invoke({ bytes: 1000 }, ctx())).length, 1000);
    assert.equal((await fn(group, 'ping').invoke({}, ctx())).pong, true);
  } finally {
    await group.close();
  }
});

test('a killed server restarts; the call in flight fails clearly, calls made meanwhile wait and succeed', async () => {
  const { logger, lines } = recordingLogger();
  const group = await loadGroup(config(), { logger, configDir: fixtures });
  try {
    const first = (await fn(group, 'ping').invoke({}, ctx())).pid;
    assert.deepEqual(childPids(serverFile), [first]);

    const inFlight = fn(group, 'sleep').invoke({ ms: 10_000 }, ctx());
    process.kill(first, 'SIGKILL');
    await assert.rejects(inFlight, /api\.local\.sleep: the MCP server of group local stopped during the call; it is being restarted/);

    await until(() => lines.some((line) => /was killed by SIGKILL; restarting in \d+ ms/.test(line.msg)), 'the restart to be announced');
    const meanwhile = await fn(group, 'ping').invoke({}, ctx()); // made while the server is down: waits for it
    assert.notEqual(meanwhile.pid, first);
    assert.ok(alive(meanwhile.pid));
    assert.ok(!alive(first));
    assert.equal(lines.find((line) => /restarting in/.test(line.msg)).group, 'local');
  } finally {
    await group.close();
  }
});

test('a server that cannot come back makes calls fail clearly after a bounded wait, and recovers later', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atp-mcp-'));
  const flag = path.join(dir, 'maintenance');
  const { logger, lines } = recordingLogger();
  const group = await loadGroup(config({ timeout: 600, env: { REFUSE_START_IF: flag } }), { logger, configDir: fixtures });
  try {
    const first = (await fn(group, 'ping').invoke({}, ctx())).pid;
    writeFileSync(flag, '');
    process.kill(first, 'SIGTERM');
    await until(() => lines.some((line) => /could not start the MCP server/.test(line.msg)), 'a failed restart');
    const error = await fn(group, 'ping').invoke({}, ctx()).catch((e) => e);
    assert.equal(error.name, 'McpUnavailableError');
    assert.equal(error.code, 'NETWORK_ERROR');
    assert.equal(error.retryable, true);
    assert.match(error.message, /^the MCP server of group local is not available \(.*exited with code 1.*maintenance flag is set.*\); it is restarting \(attempt \d+\) and did not come up within 600 ms\. Try again later$/);

    rmSync(flag);
    const back = await until(async () => (await fn(group, 'ping').invoke({}, ctx()).catch(() => undefined))?.pid, 'the server to come back', 30_000);
    assert.notEqual(back, first);
  } finally {
    await group.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tools/list_changed refreshes the group and the catalog', async () => {
  const { logger } = recordingLogger();
  const group = await loadGroup(config(), { logger, configDir: fixtures });
  const catalog = new Catalog([group]);
  try {
    assert.equal(catalog.get('local.brandNew'), undefined);
    let changes = 0;
    catalog.onChange(() => changes++);
    assert.equal(await fn(group, 'addTool').invoke({ name: 'brand-new' }, ctx()), 'added');
    await until(() => catalog.get('local.brandNew'), 'the new tool in the catalog');
    assert.ok(changes >= 1);
    assert.equal(catalog.get('local.brandNew').tool.sourceName, 'brand-new');
    assert.equal(await catalog.get('local.brandNew').tool.invoke({}, ctx()), 'brand-new');
    assert.ok(catalog.get('local.ping'), 'the other tools stay');
  } finally {
    await catalog.close();
  }
});

test('after tools/list_changed, agent code can call the new tool: new executions get the new api.* tree', async () => {
  const { logger } = recordingLogger();
  const group = await loadGroup(config(), { logger, configDir: fixtures });
  const catalog = new Catalog([group]);
  const executor = createExecutor({
    config: configFromText('apis: []\nexecution:\n  pool: 2\n', { filepath: path.join(fixtures, 'atp.yaml') }),
    catalog, stateStore: new Keyv(), cacheStore: new Keyv(), logger,
  });
  const run = async (code) => {
    const result = await executor.execute({ code, clientId: 'c', limits: { timeout: 10_000, memory: 64 * 1024 * 1024, llmCalls: 1 }, services: {}, clientTools: [] });
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    return result.result;
  };
  try {
    await executor.warm();
    assert.deepEqual(await run(`return [typeof api.local.brandNew, await api.local.addTool({ name: 'brand-new' })];`), ['undefined', 'added']);
    await until(() => catalog.get('local.brandNew'), 'the new tool in the catalog');
    assert.deepEqual(await run('return [typeof api.local.brandNew, await api.local.brandNew({}), Object.keys(api.local).includes("brandNew")];'), ['function', 'brand-new', true]);
  } finally {
    await executor.close();
    await catalog.close();
  }
});

test('lazy: listed once and stopped; with a stored list, nothing starts until the first call', async () => {
  const { logger } = recordingLogger();
  const store = new Keyv();
  const lazy = config({ lazy: true });
  const listed = await loadGroup(lazy, { logger, configDir: fixtures, store });
  await until(() => childPids(serverFile).length === 0, 'the listing server to stop');
  assert.ok(listed.tools.some((tool) => tool.path[0] === 'ping'));
  await listed.close();

  const group = await loadGroup(lazy, { logger, configDir: fixtures, store });
  try {
    assert.deepEqual(childPids(serverFile), [], 'the stored tool list was enough');
    assert.deepEqual(group.tools.map((tool) => tool.path[0]).sort(), ['addTool', 'blob', 'fail', 'ping', 'sleep', 'userLookup']);
    const { pid } = await fn(group, 'ping').invoke({}, ctx());
    assert.deepEqual(childPids(serverFile), [pid]);
  } finally {
    await group.close();
  }
});

test('a wrapper process (like npx) and its child are both gone after close()', async () => {
  const { logger, lines } = recordingLogger();
  const group = await loadGroup(config({ args: [path.join(fixtures, 'wrapper.js')] }), { logger, configDir: fixtures });
  const { pid: server } = await fn(group, 'ping').invoke({}, ctx());
  const announced = await until(() => lines.find((line) => /^wrapper \d+ started server \d+$/.test(line.msg)), 'the wrapper line');
  const wrapper = Number(announced.msg.split(' ')[1]);
  assert.equal(Number(announced.msg.split(' ')[4]), server);
  assert.ok(alive(wrapper) && alive(server));
  await group.close();
  await until(() => !alive(wrapper) && !alive(server), 'both processes to end');
});

test('servers that cannot start are reported with the reason', async () => {
  const { logger } = recordingLogger();
  const missing = await loadGroup(config({ command: 'atp-no-such-mcp-server' }), { logger, configDir: fixtures }).catch((e) => e);
  assert.ok(missing instanceof GroupLoadError);
  assert.equal(missing.message, 'could not start "atp-no-such-mcp-server": no such program; check command, PATH or cwd');

  const dir = mkdtempSync(path.join(tmpdir(), 'atp-mcp-'));
  const flag = path.join(dir, 'maintenance');
  writeFileSync(flag, '');
  try {
    const refused = await loadGroup(config({ env: { REFUSE_START_IF: flag } }), { logger, configDir: fixtures }).catch((e) => e);
    assert.ok(refused instanceof GroupLoadError);
    assert.match(refused.message, /exited with code 1 before completing the MCP handshake; its last words on stderr: refusing to start: the maintenance flag is set/);
    assert.deepEqual(childPids(serverFile), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
