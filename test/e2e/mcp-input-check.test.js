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
