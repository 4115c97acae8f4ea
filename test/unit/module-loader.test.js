import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import { loadGroup, Catalog, GroupLoadError } from '../../dist/catalog/index.js';
import { createLogger } from '../../dist/logging/index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/modules');
const logger = createLogger({ level: 'silent', format: 'text' });
const ctx = () => ({ signal: new AbortController().signal });

function config(file, extra = {}) {
  return { name: extra.name ?? 'math', type: 'module', module: path.join(fixtures, file), timeout: 30_000, concurrency: 16, ...extra };
}

function tool(group, name) {
  const found = group.tools.find((candidate) => candidate.path.join('.') === name);
  assert.ok(found, `${name} in ${group.tools.map((t) => t.path.join('.'))}`);
  return found;
}

async function until(condition, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a module group with three functions: results, progress, and an error the caller can catch', async () => {
  const group = await loadGroup(config('math.js'), { logger, configDir: fixtures });
  assert.equal(group.kind, 'module');
  assert.deepEqual(group.tools.map((t) => [t.path.join('.'), t.sourceName]).sort(), [['add', 'add'], ['divide', 'divide'], ['listStats', 'list-stats']]);
  assert.equal(tool(group, 'add').annotations.readOnly, true);

  assert.equal(await tool(group, 'add').invoke({ a: 2, b: 40 }, ctx()), 42);
  const progress = [];
  const stats = await tool(group, 'listStats').invoke({ values: [1, 2, 3] }, { ...ctx(), onProgress: (message, fraction) => progress.push([message, fraction]) });
  assert.deepEqual(stats, { count: 3, sum: 6, mean: 2 });
  assert.deepEqual(progress, [['summing', 0.5]]);

  const error = await tool(group, 'divide').invoke({ a: 1, b: 0 }, ctx()).catch((e) => e);
  assert.ok(error instanceof Error);
  assert.equal(error.message, 'cannot divide by zero');
  assert.equal(await tool(group, 'divide').invoke({ a: 1, b: 4 }, ctx()), 0.25);

  // the same words as an OpenAPI or MCP function's input errors (src/catalog/input-check.ts)
  await assert.rejects(tool(group, 'add').invoke({ a: 'two', b: 1 }, ctx()), (error) => error.message === 'api.math.add: invalid input: "a" must be a number, not the string "two"' && error.code === 'VALIDATION_FAILED');
  await assert.rejects(tool(group, 'add').invoke({ a: 1, B: 1 }, ctx()), { message: 'api.math.add: invalid input: missing required field "b"; unknown field "B" (did you mean "b"?)', code: 'VALIDATION_FAILED' });
  await assert.rejects(tool(group, 'add').invoke(undefined, ctx()), /invalid input: missing required field "a"; missing required field "b"$/);

  const { closed } = await import(path.join(fixtures, 'math.js'));
  const before = closed.count;
  await group.close();
  assert.equal(closed.count, before + 1, 'the module close() export runs when the group closes');
});

test('tools without an output schema learn one from results; it survives a restart through the store', async () => {
  const store = new Keyv();
  const group = await loadGroup(config('math.js'), { logger, configDir: fixtures, store });
  const catalog = new Catalog([group]);
  const stats = () => catalog.get('math.listStats').tool;
  assert.equal(stats().outputSchema, undefined);
  assert.equal(stats().outputInferred, false, 'nothing learned yet: the type is unknown, not inferred');
  assert.equal(catalog.get('math.add').tool.outputInferred, undefined, 'declared schemas are not inferred');

  const version = catalog.version;
  await stats().invoke({ values: [1, 2] }, ctx());
  assert.ok(catalog.version > version, 'the catalog learns of the change');
  await stats().invoke({ values: [] }, ctx());
  const learned = {
    type: 'object',
    properties: { count: { type: 'number' }, sum: { type: 'number' }, mean: { type: ['number', 'null'] } },
    required: ['count', 'sum', 'mean'],
  };
  assert.deepEqual(stats().outputSchema, learned);
  assert.equal(stats().outputInferred, true);
  await group.flush();
  await catalog.close();

  const again = await loadGroup(config('math.js'), { logger, configDir: fixtures, store });
  assert.deepEqual(tool(again, 'listStats').outputSchema, learned, 'known before any call after a restart');
  assert.equal(tool(again, 'listStats').outputInferred, true);
  await again.close();
});

test('a TypeScript module is transpiled at load, relative .js imports resolve to .ts', async () => {
  const group = await loadGroup(config('ts/tools.ts', { name: 'greeter' }), { logger, configDir: fixtures });
  assert.deepEqual(await tool(group, 'greet').invoke({ name: 'Ada', loudness: 'loud' }, ctx()), { text: 'HELLO, ADA!' });
  await group.close();
});

test('a module outside any project with atp-daemon imports defineTool from the running daemon (atp installed globally)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'atp-global-'));
  try {
    const body = `export const shout = defineTool({
  description: 'Upper case',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  handler: ({ text }) => text.toUpperCase(),
});`;
    await writeFile(path.join(dir, 'tools.js'), `import { defineTool } from 'atp-daemon';\n${body}\n`);
    await writeFile(path.join(dir, 'tools.ts'), `import { defineTool } from 'atp-daemon';\nconst typed: string = 'ts';\n${body}\n`);
    for (const file of ['tools.js', 'tools.ts']) {
      const group = await loadGroup({ name: 'loud', type: 'module', module: path.join(dir, file), timeout: 30_000, concurrency: 4 }, { logger, configDir: dir });
      try {
        assert.equal(await tool(group, 'shout').invoke({ text: 'hey' }, ctx()), 'HEY', file);
      } finally {
        await group.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a default-exported object names its tools by key, made identifier-safe and unique', async () => {
  const group = await loadGroup(config('default-object.js', { name: 'text' }), { logger, configDir: fixtures });
  assert.deepEqual(group.tools.map((t) => [t.path.join('.'), t.sourceName]), [['wordCount', 'word-count'], ['wordCount2', 'word_count']]);
  assert.deepEqual(await tool(group, 'wordCount').invoke({ text: 'one two  three' }, ctx()), { words: 3 });
  await group.close();
});

test('a call past the group timeout fails clearly, whether or not the handler listens to its signal', async () => {
  const group = await loadGroup(config('slow.js', { name: 'slow', timeout: 50 }), { logger, configDir: fixtures });
  await assert.rejects(tool(group, 'stubborn').invoke({}, ctx()), (error) => /api\.slow\.stubborn did not finish within 50 ms/.test(error.message) && error.code === 'TIMEOUT_ERROR');
  await assert.rejects(tool(group, 'polite').invoke({}, ctx()), /api\.slow\.polite did not finish within 50 ms/);
  const controller = new AbortController();
  const call = tool(group, 'stubborn').invoke({}, { signal: controller.signal });
  controller.abort(new Error('execution cancelled'));
  await assert.rejects(call, /execution cancelled/);
  await group.close();
});

test('modules that cannot be used are reported with what to do', async () => {
  const load = (file) => loadGroup(config(file, { name: 'bad' }), { logger, configDir: fixtures });
  await assert.rejects(load('empty.js'), (error) => error instanceof GroupLoadError && /exports no tools; each tool is an object with description, inputSchema/.test(error.message));
  await assert.rejects(load('bad-schema.js'), /the inputSchema of bad\.broken is not a valid JSON Schema/);
  await assert.rejects(load('missing.js'), (error) => error instanceof GroupLoadError && /missing\.js does not exist; fix the path in "module"/.test(error.message));
  await assert.rejects(load('../modules/syntax-error.js'), /could not import the module syntax-error\.js: /);
});

test('the concurrency cap: 200 parallel calls to a group capped at 4 never have more than 4 inside the handler', async () => {
  const { state } = await import(path.join(fixtures, 'counter.js'));
  const group = await loadGroup(config('counter.js', { name: 'counter', concurrency: 4 }), { logger, configDir: fixtures });
  const hold = tool(group, 'hold');
  const calls = Array.from({ length: 200 }, (_, i) => hold.invoke({ i }, ctx()));
  let released = 0;
  while (released < 200) {
    // wait for a full batch: the cap must be reached, and any excess shows in the peak
    await until(() => state.waiting.length >= Math.min(4, 200 - released), 'a call to arrive');
    assert.ok(state.inFlight <= 4, `${state.inFlight} in flight`);
    const batch = state.waiting.splice(0);
    released += batch.length;
    for (const resolve of batch) resolve();
  }
  const results = await Promise.all(calls);
  assert.deepEqual(results.map((r) => r.i), [...Array(200).keys()]);
  assert.equal(state.calls, 200);
  assert.equal(state.peak, 4, 'the cap is reached, never passed');
  await group.close();
});
