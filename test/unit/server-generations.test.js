// src/server's generations in-process: groups shared between generations and closed with the last holder; an
// execution paused on a generation that was swapped out resumes there (in place), while new ones run on the
// current one; the old generation retires once nothing runs or waits on it; settings that cannot change live.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Keyv from 'keyv';
import { configFromText, ConfigError } from '../../dist/config/index.js';
import { createLogger } from '../../dist/logging/index.js';
import { buildGeneration } from '../../dist/server/generation.js';
import { Generations } from '../../dist/server/generations.js';
import { GroupPool } from '../../dist/server/groups.js';
import { keepFixed, problemMessages } from '../../dist/server/reload.js';

const logger = createLogger({ level: 'silent', format: 'text' });

/** A folder with module groups: `which` answers its name; `closes` counts how often a group's module was closed. */
function workspace() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-generations-'));
  for (const name of ['one', 'two']) {
    writeFileSync(path.join(dir, `${name}.js`), `export const which = { description: 'Which module', inputSchema: { type: 'object' }, handler: () => '${name}' };\n`);
  }
  const config = (module, extra = '') => configFromText(`execution: { pool: 0 }\napis:\n  - { name: g, type: module, module: ./${module}.js }\n${extra}`, { filepath: path.join(dir, 'atp.yaml'), cwd: dir });
  return { dir, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function parts(pool) {
  return { pool, stateStore: new Keyv(), cacheStore: new Keyv(), logger };
}

test('a group whose settings did not change is loaded once for two generations and closed with the last one', async () => {
  const space = workspace();
  const pool = new GroupPool({ logger, configDir: space.dir });
  try {
    const shared = parts(pool);
    const first = await buildGeneration(space.config('one'), 1, shared);
    const second = await buildGeneration(space.config('one'), 2, shared);
    assert.equal(pool.size, 1, 'one group loaded, held twice');
    const third = await buildGeneration(space.config('two'), 3, shared);
    assert.equal(pool.size, 2, 'changed settings load the group anew');
    await first.close(0);
    assert.equal(pool.size, 2, 'still held by generation 2');
    await second.close(0);
    assert.equal(pool.size, 1, 'closed with its last holder');
    await third.close(0);
    assert.equal(pool.size, 0);
  } finally {
    space.cleanup();
  }
});

test('an OpenAPI group whose document file was edited is loaded anew; an unchanged one is shared', async () => {
  const space = workspace();
  const pool = new GroupPool({ logger, configDir: space.dir });
  const file = path.join(space.dir, 'shop.json');
  const document = (summary) => JSON.stringify({ openapi: '3.0.3', info: { title: 'Shop', version: '1' }, servers: [{ url: 'http://127.0.0.1:9' }], paths: { '/ping': { get: { operationId: 'ping', summary, responses: { 200: { description: 'ok' } } } } } });
  const spec = { name: 'shop', type: 'openapi', spec: file, timeout: 1000, concurrency: 4, clientConcurrency: 3, retries: 0 };
  const held = [];
  try {
    writeFileSync(file, document('Ping the shop'));
    held.push(await pool.acquire(spec), await pool.acquire({ ...spec }));
    assert.equal(pool.size, 1, 'unchanged: loaded once');
    writeFileSync(file, document('Ping the shop, edited to be longer'));
    const edited = await pool.acquire(spec);
    held.push(edited);
    assert.equal(pool.size, 2, 'edited: loaded anew');
    assert.equal(edited.group.tools[0].description.startsWith('Ping the shop, edited'), true);
  } finally {
    await Promise.all(held.map(({ group }) => group.close()));
    space.cleanup();
  }
});

test('a pause on a swapped-out generation resumes there; new executions run on the current one; the old one then retires', { timeout: 60_000 }, async () => {
  const space = workspace();
  const pool = new GroupPool({ logger, configDir: space.dir });
  const shared = parts(pool);
  const generations = new Generations(await buildGeneration(space.config('one'), 1, shared), logger);
  const request = (code) => ({ code, clientId: 'cli_test', limits: { timeout: 10_000, memory: 64e6, llmCalls: 5 }, services: { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false }, clientTools: [] });
  try {
    const paused = await generations.executor.execute(request('const word = await atp.llm.call({ prompt: "say" }); return word + " " + await api.g.which()'));
    assert.equal(paused.status, 'paused');

    generations.swap(await buildGeneration(space.config('two'), 2, shared));
    assert.equal(generations.all().length, 2, 'the old generation waits for its paused execution');
    const fresh = await generations.executor.execute(request('return await api.g.which()'));
    assert.equal(fresh.result, 'two', 'new executions run on the current generation');

    const resumed = await generations.executor.resume(paused.executionId, 'cli_test', { result: 'hello' });
    assert.equal(resumed.status, 'completed', JSON.stringify(resumed));
    assert.equal(resumed.result, 'hello one', 'resumed on the generation it paused on');
    const deadline = Date.now() + 10_000;
    while (generations.all().length > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(generations.all().map((generation) => generation.number), [2], 'the old generation retired');
  } finally {
    await generations.close(0);
    space.cleanup();
  }
});

test('a cancel reaches an execution running on a swapped-out generation', { timeout: 60_000 }, async () => {
  const space = workspace();
  writeFileSync(path.join(space.dir, 'slow.js'), "export const wait = { description: 'Waits until aborted', inputSchema: { type: 'object' }, handler: (_input, ctx) => new Promise((resolve) => { globalThis.__atpWaiting = true; ctx.signal.addEventListener('abort', () => resolve('aborted')); }) };\n");
  const pool = new GroupPool({ logger, configDir: space.dir });
  const shared = parts(pool);
  const generations = new Generations(await buildGeneration(space.config('slow'), 1, shared), logger);
  const request = { code: 'return await api.g.wait()', clientId: 'cli_test', limits: { timeout: 30_000, memory: 64e6, llmCalls: 0 }, services: { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false }, clientTools: [] };
  let id;
  try {
    const running = generations.executor.execute({ ...request, onStart: (executionId) => (id = executionId) });
    const deadline = Date.now() + 10_000;
    while (!(id && globalThis.__atpWaiting) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(id, 'the execution started');
    generations.swap(await buildGeneration(space.config('one'), 2, shared));
    const cancelled = await generations.executor.cancel(id, 'cli_test', 'request');
    assert.equal(cancelled.status, 'cancelled', JSON.stringify(cancelled));
    assert.equal((await running).status, 'cancelled');
  } finally {
    delete globalThis.__atpWaiting;
    await generations.close(0);
    space.cleanup();
  }
});

test('settings read once keep their running values, and are named', () => {
  const space = workspace();
  try {
    const running = space.config('one', 'server: { port: 4000 }\nstate: { ttl: 2h }\nsearch: { maxResults: 5 }\n');
    const next = space.config('two', 'server: { port: 5000, bodyLimit: 2MB }\nstate: { ttl: 3h }\nsearch: { maxResults: 7 }\n');
    assert.deepEqual(keepFixed(running, next), ['server.port', 'state']);
    assert.equal(next.server.port, 4000);
    assert.equal(next.state.ttl, running.state.ttl);
    assert.equal(next.server.bodyLimit, 2_000_000, 'live settings take the new value');
    assert.equal(next.search.maxResults, 7);
  } finally {
    space.cleanup();
  }
});

test('a refused config is told as atp validate tells it: each problem, then the count', () => {
  let error;
  try {
    configFromText('execution: { timeout: soon }\napis: []\n', { filepath: '/tmp/atp.yaml', cwd: '/tmp' });
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof ConfigError);
  const messages = problemMessages(error);
  assert.match(messages[0], /^atp\.yaml:1:23: .*\(at execution\.timeout\)/);
  assert.equal(messages.at(-1), '1 problem found');
  assert.equal(problemMessages(new Error('other')), undefined, 'other errors are not config problems');
});
