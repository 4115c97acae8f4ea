// How the stdio transport cuts what an MCP server writes on stdout into messages: one JSON-RPC message a line,
// whatever the chunks; lines that are not JSON-RPC are reported and skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcessTransport } from '../../dist/catalog/loaders/mcp/stdio.js';

function transport() {
  const t = new ChildProcessTransport({ command: 'unused', onStderrLine() {} });
  const messages = [];
  const errors = [];
  t.onmessage = (message) => messages.push(message);
  t.onerror = (error) => errors.push(error.message);
  // what the child's stdout emits, chunk by chunk (the transport is not started: no process is involved)
  const feed = (...chunks) => { for (const chunk of chunks) t.read(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)); };
  return { feed, messages, errors };
}

test('messages split across chunks, several in one chunk, CRLF endings and a character cut in two', () => {
  const { feed, messages, errors } = transport();
  const text = Buffer.from('{"jsonrpc":"2.0","id":3,"result":{"text":"née"}}\n');
  const cut = text.indexOf(0xc3) + 1; // between the two bytes of é
  feed('{"jsonrpc":"2.0","id":1,', '"result":{}}\n{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\r\n{"jsonrpc"', ':"2.0","id":2,"result":{"a":1}}\n', text.subarray(0, cut), text.subarray(cut));
  assert.deepEqual(errors, []);
  assert.deepEqual(messages, [
    { jsonrpc: '2.0', id: 1, result: {} },
    { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    { jsonrpc: '2.0', id: 2, result: { a: 1 } },
    { jsonrpc: '2.0', id: 3, result: { text: 'née' } },
  ]);
});

test('a line that is not JSON, or JSON that is not JSON-RPC 2.0, is reported and skipped; the next one arrives', () => {
  const { feed, messages, errors } = transport();
  feed('server starting...\n[1,2]\n{"id":1,"result":{}}\n{"jsonrpc":"2.0","id":1,"result":{}}\n');
  assert.equal(errors.length, 3);
  assert.match(errors[0], /^the MCP server wrote something that is not a JSON-RPC message to stdout: /);
  assert.match(errors[1], /is not a JSON-RPC 2\.0 message: \[1,2\]$/);
  assert.match(errors[2], /is not a JSON-RPC 2\.0 message: \{"id":1,"result":\{\}\}$/);
  assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 1, result: {} }]);
});

test('a line still incomplete waits for the rest', () => {
  const { feed, messages } = transport();
  feed('{"jsonrpc":"2.0","id":7,"result":{}}');
  assert.deepEqual(messages, []);
  feed('\n');
  assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 7, result: {} }]);
});
