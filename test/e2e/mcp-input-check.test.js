// An MCP tool's input is checked against its declared schema before a person is asked to approve a call
// (policies.requireApproval), against a real MCP server on stdio.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGroup } from '../../dist/catalog/index.js';
import '../../dist/catalog/loaders/index.js';
import { createLogger } from '../../dist/logging/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const stdioServer = path.join(here, '../fixtures/mcp/stdio-server.js');

test('checkInput refuses what the declared schema refuses, naming the field, and takes what it takes', async () => {
  const logger = createLogger({ level: 'silent', format: 'text' });
  const group = await loadGroup({ name: 'local', type: 'mcp', command: process.execPath, args: [stdioServer], timeout: 10_000, concurrency: 4, lazy: false }, { logger, configDir: here });
  try {
    const sleep = group.tools.find((tool) => tool.path[0] === 'sleep');
    const wrong = sleep.checkInput({ ms: 'soon' });
    assert.equal(wrong?.code, 'VALIDATION_FAILED');
    assert.match(wrong.message, /api\.local\.sleep: invalid input: "ms" must be a number, not the string "soon"/);
    assert.match(sleep.checkInput({})?.message ?? '', /missing required field "ms"/);
    assert.equal(sleep.checkInput({ ms: 5 }), undefined);
    const ping = group.tools.find((tool) => tool.path[0] === 'ping');
    assert.equal(ping.checkInput(undefined), undefined, 'no input is an empty object');
  } finally {
    await group.close();
  }
});

test('arguments a server refuses (-32602) fail with VALIDATION_FAILED, in the declared schema\'s words when it explains why', async () => {
  const logger = createLogger({ level: 'silent', format: 'text' });
  const ctx = () => ({ signal: new AbortController().signal, executionId: 'e1', clientId: 'c1' });
  const sdk = await loadGroup({ name: 'local', type: 'mcp', command: process.execPath, args: [stdioServer], timeout: 10_000, concurrency: 4, lazy: false }, { logger, configDir: here });
  const raw = await loadGroup({ name: 'raw', type: 'mcp', command: process.execPath, args: [path.join(here, '../fixtures/mcp/raw-server.js')], timeout: 10_000, concurrency: 4, lazy: false }, { logger, configDir: here });
  try {
    const sleep = sdk.tools.find((tool) => tool.path[0] === 'sleep');
    // the SDK's McpServer answers with an isError result "MCP error -32602: Input validation error: ..."
    await assert.rejects(sleep.invoke({ ms: 'soon' }, ctx()), { code: 'VALIDATION_FAILED', message: 'api.local.sleep: invalid input: "ms" must be a number, not the string "soon"' });
    const fail = sdk.tools.find((tool) => tool.path[0] === 'fail');
    await assert.rejects(fail.invoke({}, ctx()), (error) => error.code !== 'VALIDATION_FAILED' && /the disk is on fire/.test(error.message), 'a tool error is not an input error');
    const half = raw.tools.find((tool) => tool.path[0] === 'half');
    assert.deepEqual(await half.invoke({ n: 4 }, ctx()), { half: 2 });
    await assert.rejects(half.invoke({ n: 3 }, ctx()), { code: 'VALIDATION_FAILED', message: 'api.raw.half: invalid input: n must be even, not 3' }, 'the server\'s words when the schema finds nothing');
    await assert.rejects(half.invoke({ m: 4 }, ctx()), { code: 'VALIDATION_FAILED', message: 'api.raw.half: invalid input: missing required field "n"; unknown field "m" (did you mean "n"?)' });
  } finally {
    await Promise.all([sdk.close(), raw.close()]);
  }
});
