// The execution core's parts, each alone: decoding what the sandbox posts, the clock and its deadline (with an
// injected time source), replay verification, and the table of host calls with their shared abort.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePost, callArguments } from '../../dist/execution/posts.js';
import { ExecutionClock } from '../../dist/execution/clock.js';
import { ReplayVerifier } from '../../dist/execution/replay.js';
import { HostCalls } from '../../dist/execution/host-calls.js';
import { argsHash } from '../../dist/execution/journal.js';
import { OK, ERR, TIMER, OK_UNDEFINED } from '../../dist/sandbox/index.js';
import { verdictOf, signInRequest } from '../../dist/execution/approvals.js';
import { ExecutionOutput } from '../../dist/execution/output.js';
import { createLogger } from '../../dist/logging/index.js';

test('posts decode into the typed union; wrong shapes are malformed, unknown ones ignored', () => {
  assert.deepEqual(decodePost('call', 3, 'api', 'demo.add', '{"a":1}'), { type: 'call', id: 3, op: 'api', name: 'demo.add', json: '{"a":1}' });
  assert.deepEqual(decodePost('call', 1.5, 'api', 'x', '{}'), { type: 'malformed', what: 'malformed call' });
  assert.deepEqual(decodePost('call', 1, 'api', 'x'.repeat(1001), '{}'), { type: 'malformed', what: 'malformed call' });
  assert.deepEqual(decodePost('call', 1, 'api', 'x', { not: 'text' }), { type: 'malformed', what: 'malformed call' });
  assert.deepEqual(decodePost('done'), { type: 'done' });
  assert.deepEqual(decodePost('done', '{"ok":true}'), { type: 'done', json: '{"ok":true}' });
  assert.deepEqual(decodePost('done', 42), { type: 'malformed', what: 'a malformed result' });
  assert.deepEqual(decodePost('clear', 7), { type: 'clear', id: 7 });
  assert.equal(decodePost('clear', 'seven'), undefined);
  assert.deepEqual(decodePost('tooLarge', 'many'), { type: 'tooLarge', chars: 0 });
  assert.equal(decodePost('diverged', 'x'.repeat(900)).message.length, 500);
  assert.deepEqual(decodePost('diverged', 12), { type: 'diverged', message: 'the sandbox reported a difference' });
  assert.deepEqual(decodePost('log', 'warn', 'careful', '{"n":1}'), { type: 'log', level: 'warn', message: 'careful', data: '{"n":1}' });
  assert.deepEqual(decodePost('logLimit'), { type: 'logLimit' });
  assert.equal(decodePost('sudo', 1), undefined);
  assert.deepEqual(callArguments('undefined'), { args: undefined });
  assert.deepEqual(callArguments('{"a":[1]}'), { args: { a: [1] } });
  assert.equal(callArguments('{nope'), undefined);
});

test('the delivery modes are the ones the runtime reads', () => {
  assert.deepEqual([OK, ERR, TIMER, OK_UNDEFINED], [0, 1, 2, 3]);
});

/** A time source the test moves by hand. */
function manualTime() {
  const time = { at: 0, timers: new Map(), next: 1 };
  time.source = {
    now: () => time.at,
    setTimer: (fn, ms) => {
      const id = time.next++;
      time.timers.set(id, { fn, due: time.at + ms });
      return id;
    },
    clearTimer: (id) => time.timers.delete(id),
  };
  time.advance = (ms) => {
    time.at += ms;
    for (const [id, timer] of [...time.timers]) {
      if (timer.due <= time.at) {
        time.timers.delete(id);
        timer.fn();
      }
    }
  };
  return time;
}

test('the clock counts the time of each run, not of replays, and calls the deadline when the budget is spent', () => {
  const time = manualTime();
  let deadlines = 0;
  const clock = new ExecutionClock(() => deadlines++, time.source);
  clock.start(100);
  time.advance(30);
  assert.equal(clock.remaining(), 70);
  clock.stop(true);
  assert.equal(clock.usedMs, 30);
  assert.equal(time.timers.size, 0, 'a paused run has no deadline armed');
  time.advance(1000); // the pause does not count
  clock.start(100 - clock.usedMs);
  time.advance(69);
  assert.equal(deadlines, 0);
  time.advance(1);
  assert.equal(deadlines, 1);
  let graced = 0;
  clock.grace(1000, () => graced++);
  time.advance(999);
  assert.equal(graced, 0);
  time.advance(1);
  assert.equal(graced, 1);
  clock.stop(true);
  assert.equal(clock.usedMs, 30 + 70 + 1000);
  clock.start(50);
  time.advance(20);
  clock.stop(false); // a replay recomputes what already ran
  assert.equal(clock.usedMs, 1100);
  clock.start(10);
  clock.disarm();
  time.advance(100);
  assert.equal(deadlines, 1, 'a disarmed clock calls nothing');
});

test('replay verification: the same calls pass; another call, function or argument is a divergence said in words', () => {
  const journal = new Map([
    [1, [1, 'api', 'demo.add', argsHash('{"a":1}')]],
    [2, [2, 'llm.call', '', argsHash('{"prompt":"p"}')]],
  ]);
  const same = new ReplayVerifier(journal);
  assert.equal(same.check(1, 'api', 'demo.add', '{"a":1}'), undefined);
  assert.equal(same.missing(), 'it made 1 of the 2 calls it made when it first ran');
  assert.equal(same.check(2, 'llm.call', '', '{"prompt":"p"}'), undefined);
  assert.equal(same.missing(), undefined);

  const other = new ReplayVerifier(journal);
  assert.equal(other.check(3, 'api', 'demo.echo', '{}'), 'it made call #3 (api.demo.echo), which it did not make when it first ran');
  assert.equal(other.check(1, 'api', 'demo.echo', '{"a":1}'), 'call #1 was api.demo.add when the code first ran, and is api.demo.echo now');
  assert.equal(other.check(1, 'api', 'demo.add', '{"a":2}'), 'call #1 (api.demo.add) got different arguments than when the code first ran');
  assert.equal(other.check(2, 'timer', '', '{}'), 'call #2 was atp.llm.call when the code first ran, and is a timer now');
});

test('host calls: bounded in number, settled once, and all aborted together with their outcomes unheard', async () => {
  const calls = new HostCalls(2);
  const heard = [];
  const signals = [];
  const hang = (signal) => {
    signals.push(signal);
    return new Promise((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  };
  assert.equal(calls.start(1, () => 'one', (value) => heard.push(['value', value]), (error) => heard.push(['error', error])), true);
  assert.equal(calls.start(2, () => { throw new Error('at once'); }, (value) => heard.push(['value', value]), (error) => heard.push(['error', error.message])), true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(heard, [['value', 'one'], ['error', 'at once']]);
  assert.equal(calls.size, 0);

  assert.equal(calls.start(3, hang, () => heard.push('3'), () => heard.push('3 failed')), true);
  assert.equal(calls.start(4, hang, () => heard.push('4'), () => heard.push('4 failed')), true);
  assert.equal(calls.start(5, hang, () => heard.push('5'), () => heard.push('5 failed')), false, 'beyond the bound nothing runs');
  assert.equal(signals.length, 2);
  calls.abortAll();
  assert.ok(signals.every((signal) => signal.aborted), 'every call in flight heard the abort');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(heard.length, 2, 'an aborted call settles unheard');
  assert.equal(calls.size, 0);
});

test('approvals: an approved answer runs the call; a refusal or a missing sign-in is the error the code gets', () => {
  const gate = { fn: 'github.issues.create', input: {} };
  assert.deepEqual(verdictOf(gate, { approved: true }), { approved: true });
  assert.deepEqual(verdictOf(gate, { approved: false, response: 'not today' }), {
    approved: false, error: { message: 'api.github.issues.create was not approved: not today; the call was not made', code: 'APPROVAL_DENIED', callback: true },
  });
  assert.equal(verdictOf(gate, 'yes').approved, false, 'only approved: true approves');
  const signIn = verdictOf({ ...gate, signIn: { authorizationUrl: 'http://127.0.0.1/sign-in' } }, { approved: false });
  assert.equal(signIn.error.code, 'AUTHORIZATION_REQUIRED');
  assert.equal(signIn.error.authorizationUrl, 'http://127.0.0.1/sign-in');
  const request = signInRequest('github.issues.create', 'http://127.0.0.1/sign-in');
  assert.equal(request.type, 'approval');
  assert.match(request.payload.message, /^Sign in to github so that api\.github\.issues\.create can act as you: open http:\/\/127\.0\.0\.1\/sign-in/);
});

test('output: entries from the code are bounded; a listener that throws is logged, not raised', () => {
  const lines = [];
  const logger = createLogger({ level: 'warn', format: 'json', write: (line) => lines.push(JSON.parse(line)) });
  const logs = [];
  const output = new ExecutionOutput({ onLog: (event) => logs.push(event) }, { maxLogEntries: 2, maxLogChars: 5 }, logger, 'exe_x');
  for (let i = 0; i < 5; i++) output.fromCode('info', `message ${i}`, undefined);
  assert.deepEqual(logs.map((event) => event.message), ['messa', 'messa', 'messa'], 'cut at maxLogChars; the host guard stops one past the bound the runtime itself keeps');
  output.log('warn', 'a note of the server');
  assert.equal(logs.at(-1).message, 'a note of the server');
  output.hooks = { onProgress: () => { throw new Error('listener broke'); } };
  output.progress({ message: 'half', fraction: 0.5 });
  assert.equal(lines.at(-1).msg ?? lines.at(-1).message, 'a log or progress listener threw');
});
