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

test('a pause is not replayed on an instance with another time zone: a clear failure, not a silent divergence', async () => {
  const store = new Keyv();
  const paris = executor('execution:\n  timezone: Europe/Paris\n', store);
  const first = await paris.execute(request('const h = new Date(0).getHours(); return [h, await atp.llm.call({ prompt: String(h) })];'));
  assert.equal(first.status, 'paused');
  assert.equal(first.needsCallback.payload.prompt, '1');
  const utc = executor('', store);
  const result = await utc.resume(first.executionId, 'client-a', { result: 'answer' });
  assert.equal(result.status, 'failed');
  assert.match(result.error.message, /cannot be replayed because it was paused on an instance whose execution\.timezone is Europe\/Paris, and this one's is UTC; give every instance the same/);
});
