// The isolate builder makes isolates in helper isolates, on isolated-vm's threads. A helper that is gone
// (V8 lost it, or it ran out of memory) is replaced at the next build; close() waits until no helper works. A
// build hides the globals it is told to (V8's collection function) from the bootstrap and what runs after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ivm from 'isolated-vm';
import { IsolateBuilder } from '../../dist/sandbox/builder.js';
import { enableCollection } from '../../dist/sandbox/isolate-handle.js';

/** A bootstrap that reads a global set before it runs and exports a function. */
const boot = () => ({ source: '({ answer: () => globalThis.given * 2 })', filename: 'boot.js', globals: { given: new ivm.ExternalCopy(21) }, exports: ['answer'] });

test('builds give working isolates, and release frees them', async () => {
  const builder = new IsolateBuilder(2);
  try {
    const built = await Promise.all([builder.build(16, boot(), () => {}), builder.build(16, boot(), () => {})]);
    for (const { context } of built) assert.equal(await context.eval('6 * 7'), 42);
    for (const { exports } of built) assert.equal(await exports[0].apply(undefined, []), 42, 'the bootstrap ran with its global');
    assert.ok(built[0].cachedData?.copy().byteLength > 0, 'a build given no code cache makes one');
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
    const first = await builder.build(16, boot(), () => {});
    await first.release();
    const helper = builder['helpers'][0]; // the only one, with parallelism 1
    helper.isolate.dispose();
    const next = await builder.build(16, boot(), () => {});
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
  const underWay = builder.build(16, boot(), () => {});
  await builder.close();
  const built = await underWay;
  assert.equal(built.isolate.isDisposed, false, 'the caller gets what was under way, to free it');
  built.isolate.dispose();
  await assert.rejects(builder.build(16, boot(), () => {}), /closed/);
});

test('a build sets the globals it is told to hide to undefined before the bootstrap runs', async () => {
  enableCollection(); // V8 gives every context made from now on its collection function, `gc`
  const builder = new IsolateBuilder(1);
  try {
    const seen = { ...boot(), source: '({ answer: () => typeof gc })' };
    const plain = await builder.build(16, seen, () => {});
    const hidden = await builder.build(16, { ...seen, hidden: ['gc'] }, () => {});
    assert.equal(await plain.exports[0].apply(undefined, []), 'function', 'the test means something: contexts have gc');
    assert.equal(await hidden.exports[0].apply(undefined, []), 'undefined');
    await Promise.all([plain.release(), hidden.release()]);
  } finally {
    await builder.close();
  }
});
