// The per-request execution config: limits clamped to the configured maxima, both field spellings, services.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExecutionConfig } from '../../dist/http/execution-config.js';

const defaults = { timeout: 30_000, maxTimeout: 60_000, memory: 128e6, maxMemory: 256e6, llmCalls: 10, maxLLMCalls: 20 };
const session = { clientId: 'cli_x', createdAt: 0, tools: [], services: { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false } };

test('defaults apply when the request says nothing', () => {
  const parsed = parseExecutionConfig(undefined, defaults, session);
  assert.deepEqual(parsed.limits, { timeout: 30_000, memory: 128e6, llmCalls: 10 });
  assert.deepEqual(parsed.services, session.services);
  assert.equal(parsed.allowedApis, undefined);
  assert.equal(parsed.allowLLMCalls, undefined);
});

test('requests may ask for less, never for more than the maxima', () => {
  assert.deepEqual(parseExecutionConfig({ timeout: 1000, maxMemory: 8e6, maxLLMCalls: 2 }, defaults, session).limits, { timeout: 1000, memory: 8e6, llmCalls: 2 });
  assert.deepEqual(parseExecutionConfig({ timeout: 1e9, maxMemory: 1e12, maxLLMCalls: 1e6 }, defaults, session).limits, { timeout: 60_000, memory: 256e6, llmCalls: 20 });
});

test('the reference server\'s names memory and llmCalls work too; the documented names win', () => {
  assert.deepEqual(parseExecutionConfig({ memory: 9e6, llmCalls: 3 }, defaults, session).limits, { timeout: 30_000, memory: 9e6, llmCalls: 3 });
  assert.deepEqual(parseExecutionConfig({ memory: 9e6, maxMemory: 7e6, llmCalls: 3, maxLLMCalls: 0 }, defaults, session).limits, { timeout: 30_000, memory: 7e6, llmCalls: 0 });
});

test('allowedAPIs and allowLLMCalls pass through', () => {
  const parsed = parseExecutionConfig({ allowedAPIs: ['math.*'], allowLLMCalls: false }, defaults, session);
  assert.deepEqual(parsed.allowedApis, ['math.*']);
  assert.equal(parsed.allowLLMCalls, false);
});

test('clientServices in the request override init; client tools from init always count', () => {
  const withTools = { ...session, tools: [{ name: 't', description: 'd', inputSchema: {} }] };
  const parsed = parseExecutionConfig({ clientServices: { hasLLM: false, hasApproval: true, hasTools: false } }, defaults, withTools);
  assert.deepEqual(parsed.services, { hasLLM: false, hasApproval: true, hasEmbedding: false, hasTools: true });
});

test('wrong types are refused naming the field', () => {
  assert.throws(() => parseExecutionConfig({ timeout: 0 }, defaults, session), { status: 400, message: 'config.timeout must be a positive number of milliseconds' });
  assert.throws(() => parseExecutionConfig({ memory: '8MB' }, defaults, session), { status: 400, message: 'config.memory must be a positive number of bytes' });
  assert.throws(() => parseExecutionConfig({ maxLLMCalls: -1 }, defaults, session), { status: 400, message: 'config.maxLLMCalls must be a whole number, 0 or more' });
  assert.throws(() => parseExecutionConfig({ allowedAPIs: [1] }, defaults, session), { status: 400, message: 'config.allowedAPIs must be an array of strings' });
  assert.throws(() => parseExecutionConfig({ clientServices: [] }, defaults, session), { status: 400, message: /^config\.clientServices must be an object/ });
  assert.throws(() => parseExecutionConfig([], defaults, session), { status: 400, message: 'config must be an object' });
});
