// A stdio MCP server that dies at start is explained in one line: the line of its stderr that names the error,
// not a stack; its whole stderr goes to the log at debug. A server that starts has its stderr logged at info.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGroup, GroupLoadError } from '../../dist/catalog/index.js';
import { recordingLogger } from './mcp-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const stdioServer = path.join(here, '../fixtures/mcp/stdio-server.js');

function config(args) {
  return { name: 'local', type: 'mcp', command: process.execPath, args, timeout: 10_000, concurrency: 16, lazy: false };
}

async function failure(args) {
  const { logger, lines } = recordingLogger();
  const error = await loadGroup(config(args), { logger, configDir: here }).then(
    (group) => group.close().then(() => assert.fail('the group loaded')),
    (e) => e,
  );
  assert.ok(error instanceof GroupLoadError, String(error));
  assert.doesNotMatch(error.message, /\n/, 'one line');
  return { message: error.message, lines };
}

test('a missing module: the error line of Node\'s crash report, not its stack', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atp-mcp-'));
  try {
    const missing = path.join(dir, 'node_modules/some-mcp-server/dist/index.js');
    const { message, lines } = await failure([missing]);
    assert.equal(message, `the MCP server "${process.execPath}" exited with code 1 before completing the MCP handshake; its last words on stderr: Error: Cannot find module '${missing}'`);
    const stderr = lines.filter((line) => line.stream === 'stderr');
    assert.ok(stderr.some((line) => /^\s+at /.test(line.msg)), 'the stack is in the log');
    assert.deepEqual([...new Set(stderr.map((line) => line.level))], ['debug'], 'at debug only');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('another language\'s traceback: its error line; without one, the last line outside the trace', async () => {
  const python = ['-e', `console.error('Traceback (most recent call last):\\n  File "server.py", line 1, in <module>\\nModuleNotFoundError: No module named \\'mcp\\'\\n'); process.exit(1)`];
  assert.match((await failure(python)).message, /; its last words on stderr: ModuleNotFoundError: No module named 'mcp'$/);
  const plain = ['-e', `console.error('listening on stdio\\nrefusing to start: no API key in SERVICE_KEY\\n    at main (server.js:3:9)\\n'); process.exit(2)`];
  assert.match((await failure(plain)).message, /exited with code 2 before completing the MCP handshake; its last words on stderr: refusing to start: no API key in SERVICE_KEY$/);
});

test('a server that starts: what it wrote on stderr meanwhile is logged at info', async () => {
  const { logger, lines } = recordingLogger();
  const group = await loadGroup(config([stdioServer]), { logger, configDir: here });
  await group.close();
  const ready = lines.find((line) => /^stdio test server \d+ ready$/.test(line.msg));
  assert.equal(ready?.level, 'info');
  assert.equal(ready.stream, 'stderr');
});
