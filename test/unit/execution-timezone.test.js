// execution.timezone: the time zone agent code sees, the same on every instance, and a replay that would see
// another one is refused. Its own file: the time zone is the process's, so it must not leak into other tests.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import Keyv from 'keyv';
import { makeExecutor, request } from './execution-harness.js';

const closers = [];
after(() => Promise.all(closers.map((close) => close())));

function executor(yaml, stateStore = new Keyv()) {
  const made = makeExecutor({ yaml, stateStore });
  closers.push(() => made.executor.close());
  return made.executor;
}

const LOCAL_TIME = 'return [new Date(0).getHours(), new Date(0).getTimezoneOffset(), Intl.DateTimeFormat().resolvedOptions().timeZone]';

test('agent code sees UTC by default, whatever the host\'s time zone, and the configured zone when set', async () => {
  const utc = await executor('').execute(request(LOCAL_TIME));
  assert.deepEqual(utc.result, [0, 0, 'UTC']);
  const tokyo = await executor('execution:\n  timezone: Asia/Tokyo\n').execute(request(LOCAL_TIME));
  assert.deepEqual(tokyo.result, [9, -540, 'Asia/Tokyo']);
});

test('a pause is not replayed on an instance with another time zone; it stays for one with the same zone', async () => {
  const store = new Keyv();
  const paris = executor('execution:\n  timezone: Europe/Paris\n', store);
  const first = await paris.execute(request('const h = new Date(0).getHours(); return [h, await atp.llm.call({ prompt: String(h) })];'));
  assert.equal(first.status, 'paused');
  assert.equal(first.needsCallback.payload.prompt, '1');
  const utc = executor('', store);
  const refused = await utc.resume(first.executionId, 'client-a', { result: 'answer' });
  assert.equal(refused.status, 'failed');
  assert.equal(refused.error.retryable, true);
  assert.match(refused.error.message, /cannot be resumed on this instance: it runs in time zone Europe\/Paris, and this instance's execution\.timezone is UTC\. Its pause is kept/);
  // another instance in Paris replays it: the code sees the same hour as when it first ran
  const paris2 = executor('execution:\n  timezone: Europe/Paris\n', store);
  const result = await paris2.resume(first.executionId, 'client-a', { result: 'answer' });
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.deepEqual(result.result, [1, 'answer']);
});
