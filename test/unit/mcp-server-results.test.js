// An execution's outcome as an MCP tool result: a value with its logs and calls; every other outcome a result with
// isError whose text says what happened, where, and what to do (a hint per status, the logs and calls so far).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executionToolResult, LogBook } from '../../dist/mcp-server/results.js';

const stats = { duration: 1, memoryUsed: 0, llmCallsCount: 0, approvalCallsCount: 0 };

test('a completed run: the value (null for none), the logs and the calls, as JSON text and structured content', () => {
  const result = executionToolResult({ executionId: 'e', status: 'completed', result: { n: 1 }, stats }, ['[info] hi'], [{ name: 'api.a.b', count: 2 }]);
  assert.equal(result.isError, undefined);
  assert.deepEqual(JSON.parse(result.content[0].text), { result: { n: 1 }, logs: ['[info] hi'], toolCalls: [{ name: 'api.a.b', count: 2 }] });
  assert.deepEqual(result.structuredContent, JSON.parse(result.content[0].text));
  assert.equal(JSON.parse(executionToolResult({ executionId: 'e', status: 'completed', stats }, [], []).content[0].text).result, null);
});

test('a timeout: isError, where the code was, the hint, the logs and calls made', () => {
  const result = executionToolResult({
    executionId: 'e', status: 'timeout', stats,
    error: { message: 'the execution ran longer than its 30000 ms timeout', code: 'EXECUTION_TIMEOUT', line: 3, column: 5 },
  }, ['[info] started'], [{ name: 'api.crm.customers.get', count: 40 }]);
  assert.equal(result.isError, true);
  assert.equal(result.content[0].text, [
    'timeout (EXECUTION_TIMEOUT): the execution ran longer than its 30000 ms timeout',
    '    at agent.ts:3:5',
    'hint: do less per run (fewer or smaller calls, a page at a time), or run the independent calls together with Promise.all',
    'logs:',
    '  [info] started',
    'API calls made: api.crm.customers.get x40',
  ].join('\n'));
});

test("an error's own suggestion wins over the status's hint; a sign-in link is passed on", () => {
  const result = executionToolResult({
    executionId: 'e', status: 'failed', stats,
    error: { message: 'api.gh.me needs a sign-in', code: 'AUTHORIZATION_REQUIRED', stack: 'Error: api.gh.me needs a sign-in\n    at agent.ts:1:7', suggestion: 'ask the person to sign in', authorizationUrl: 'https://atp.example/oauth/start' },
  }, [], []);
  assert.match(result.content[0].text, /^failed \(AUTHORIZATION_REQUIRED\): api\.gh\.me needs a sign-in\n {4}at agent\.ts:1:7\nhint: ask the person to sign in\nsign in at: https:\/\/atp\.example\/oauth\/start$/);
});

test('the log book keeps the first 100 lines, each cut at 500 characters, and says how many it left out', () => {
  const book = new LogBook();
  for (let i = 0; i < 103; i++) book.add({ level: 'info', message: i === 0 ? 'x'.repeat(600) : `line ${i}`, ...(i === 1 && { data: { n: 1 } }) });
  const lines = book.list();
  assert.equal(lines.length, 101);
  assert.equal(lines[0], `[info] ${'x'.repeat(493)}…`);
  assert.equal(lines[1], '[info] line 1 {"n":1}');
  assert.equal(lines.at(-1), '(3 more log lines left out)');
});
