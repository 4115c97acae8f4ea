// The in-isolate runtime is written as modules (src/sandbox/runtime/) and bundled into one script at build
// time: the shipped bundle matches its sources, its hash versions journals, and nothing of the bundle is a
// global a program can reach.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BUNDLE_FILE, bundleModule, bundleRuntime } from '../../scripts/bundle-runtime.mjs';
import { RUNTIME_BUNDLE } from '../../dist/sandbox/runtime-bundle.js';
import { RUNTIME_VERSION } from '../../dist/sandbox/index.js';
import { makeExecutor, request } from './execution-harness.js';

const closers = [];
after(() => Promise.all(closers.map((close) => close())));

test('src/sandbox/runtime-bundle.ts is the bundle of the runtime modules as they are now', () => {
  const fresh = bundleModule(bundleRuntime());
  assert.ok(readFileSync(BUNDLE_FILE, 'utf8') === fresh, 'the runtime bundle is stale: run `node scripts/bundle-runtime.mjs` (npm run build does), then build');
  assert.ok(fresh.includes(JSON.stringify(RUNTIME_BUNDLE)), 'dist was built from that bundle');
});

test('the runtime version is the hash of the bundle the isolates run', () => {
  assert.equal(RUNTIME_VERSION, createHash('sha1').update(RUNTIME_BUNDLE).digest('hex').slice(0, 12));
});

test('a program sees the runtime it needs and none of the bundle or the host entry points', async () => {
  const { executor } = makeExecutor();
  closers.push(() => executor.close());
  const result = await executor.execute(request(`
    const names = Object.getOwnPropertyNames(globalThis).filter((name) => name.startsWith('__'));
    return { names, bundle: typeof __atp_runtime, api: typeof api.demo.add, atp: Object.keys(atp).sort(), now: typeof Date.now(), random: typeof Math.random() };`));
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, {
    names: [], bundle: 'undefined', api: 'function', atp: ['api', 'approval', 'cache', 'embedding', 'llm', 'log', 'progress'], now: 'number', random: 'number',
  });
});
