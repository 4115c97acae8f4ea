// V8 frees the contexts of ended executions only at a full collection, which a client's small heap rarely
// needs, so a client isolate collects once its heap grew past IsolateHandle.collectAfterGrowth since the last.
// The collection function exists in every context once the process sets --expose-gc (the pool does): agent code
// must never reach it, in the first context of an isolate nor in the later ones, in either isolation mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ivm from 'isolated-vm';
import { IsolateHandle, Sandbox } from '../../dist/sandbox/sandbox.js';
import { COLLECT_GLOBAL } from '../../dist/sandbox/isolate-handle.js';
import { makeExecutor, request } from './execution-harness.js';

async function until(condition, what) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Every global of the context, own and inherited, whose value is V8's collection function or is named like it. */
const FIND_COLLECTOR = `const found = [];
  for (let o = globalThis; o; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      const v = d && 'value' in d ? d.value : undefined;
      if (typeof v === 'function' && /^function (gc|${COLLECT_GLOBAL})\\(\\) \\{ \\[native code\\] \\}$/.test(Function.prototype.toString.call(v))) found.push(String(key));
    }
  }
  return [typeof ${COLLECT_GLOBAL}, typeof globalThis.${COLLECT_GLOBAL}, found];`;

/** Sandbox.inIsolate, watched: the handles of the client isolates it makes contexts in. */
function watchHandles() {
  const handles = new Set();
  const original = Sandbox.inIsolate;
  Sandbox.inIsolate = async function (handle, ...rest) {
    handles.add(handle);
    return original.call(this, handle, ...rest);
  };
  return { handles, restore: () => { Sandbox.inIsolate = original; } };
}

for (const isolation of ['client', 'execution']) {
  test(`isolation ${isolation}: agent code cannot reach V8's collection function, though the process exposes it`, async () => {
    const { executor } = makeExecutor({ yaml: `execution:\n  isolation: ${isolation}\n`, inlineTurns: { budgetMs: 5000 } });
    try {
      await executor.warm?.();
      // the test means something only if contexts made now have the function: one made here, outside the runtime
      const probe = new ivm.Isolate({ memoryLimit: 16 });
      assert.equal(probe.createContextSync().evalSync(`typeof ${COLLECT_GLOBAL}`), 'function', 'the process exposes the collection function');
      probe.dispose();
      for (let i = 0; i < 3; i++) {
        const result = await executor.execute(request(FIND_COLLECTOR));
        assert.equal(result.status, 'completed', JSON.stringify(result.error));
        assert.deepEqual(result.result, ['undefined', 'undefined', []], `execution ${i + 1}`);
        await until(() => executor.isolatesOf('client-a').every((isolate) => !isolate.busy), 'the isolate to be given back');
      }
    } finally {
      await executor.close();
    }
  });
}

/**
 * Runs `count` executions of one client, each leaving about 0.8 MB reachable from its context's globals, and
 * reads the isolate's heap after each from the 6th on (its handle is known from the 2nd execution's context).
 */
async function leaveGarbage(count) {
  const { executor } = makeExecutor({ inlineTurns: { budgetMs: 5000 } });
  const watch = watchHandles();
  const heaps = [];
  try {
    for (let i = 0; i < count; i++) {
      const result = await executor.execute(request(`globalThis.kept = Array.from({ length: 12500 }, (_, i) => ({ i, s: 'x' + i })); return ${i};`));
      assert.equal(result.status, 'completed', JSON.stringify(result.error));
      await until(() => executor.isolatesOf('client-a').every((isolate) => !isolate.busy), 'the isolate to be given back');
      const [handle] = watch.handles;
      if (i >= 5) heaps.push((await handle.isolate.getHeapStatistics()).used_heap_size);
    }
    assert.equal(watch.handles.size, 1, 'one isolate ran them all');
    const [handle] = watch.handles;
    return { collections: handle.collections, meanUsed: heaps.reduce((a, b) => a + b, 0) / heaps.length };
  } finally {
    watch.restore();
    await executor.close();
  }
}

test('a client isolate collects the contexts of ended executions once its heap grew, and its heap stays near its floor', async () => {
  const growth = IsolateHandle.collectAfterGrowth;
  try {
    IsolateHandle.collectAfterGrowth = Infinity;
    const without = await leaveGarbage(40);
    IsolateHandle.collectAfterGrowth = growth;
    const withCollections = await leaveGarbage(40);
    assert.equal(without.collections, 0);
    assert.ok(withCollections.collections >= 8, `collected ${withCollections.collections} times in 40 executions of about 0.8 MB each`);
    // without, V8 collects by itself about every 8 MB of growth: the heap averages some 4 MB above its floor
    const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
    assert.ok(withCollections.meanUsed < without.meanUsed - 2 * 2 ** 20, `heap after an execution: ${mb(withCollections.meanUsed)} MB on average with collections, ${mb(without.meanUsed)} MB without`);
  } finally {
    IsolateHandle.collectAfterGrowth = growth;
  }
});
