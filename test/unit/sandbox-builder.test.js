// The isolate builder makes isolates in helper isolates, on isolated-vm's threads. A helper that is gone
// (V8 lost it, or it ran out of memory) is replaced at the next build; close() waits until no helper works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolateBuilder } from '../../dist/sandbox/builder.js';

test('builds give working isolates, and release frees them', async () => {
  const builder = new IsolateBuilder(2);
  try {
    const built = await Promise.all([builder.build(16, () => {}), builder.build(16, () => {})]);
    for (const { context } of built) assert.equal(await context.eval('6 * 7'), 42);
    await Promise.all(built.map(({ release }) => release()));
    assert.deepEqual(built.map(({ isolate }) => isolate.isDisposed), [true, true]);
  } finally {
    await builder.close();
  }
});

test('a helper that is gone is replaced at the next build', async () => {
  // disposing a helper while it builds crashes isolated-vm (SIGSEGV), so it goes while idle here
  const builder = new IsolateBuilder(1);
  try {
    const first = await builder.build(16, () => {});
    await first.release();
    const helper = builder['helpers'][0]; // the only one, with parallelism 1
    helper.isolate.dispose();
    const next = await builder.build(16, () => {});
    assert.equal(builder['helpers'].length, 1);
    assert.notEqual(builder['helpers'][0], helper);
    assert.equal(await next.context.eval('1 + 1'), 2);
    await next.release();
  } finally {
    await builder.close();
  }
});

test('close() waits for builds under way, and refuses new ones', async () => {
  const builder = new IsolateBuilder(1);
  const underWay = builder.build(16, () => {});
  await builder.close();
  const built = await underWay;
  assert.equal(built.isolate.isDisposed, false, 'the caller gets what was under way, to free it');
  built.isolate.dispose();
  await assert.rejects(builder.build(16, () => {}), /closed/);
});
