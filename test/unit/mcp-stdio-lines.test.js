// How the stdio transport cuts what an MCP server writes on stdout into messages: one JSON-RPC message a line,
// whatever the chunks; lines that are not JSON-RPC are reported and skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcessTransport, answerId } from '../../dist/catalog/loaders/mcp/stdio.js';

function transport(maxMessageBytes) {
  const t = new ChildProcessTransport({ command: 'unused', onStderrLine() {}, maxMessageBytes });
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

test('a message over the limit is refused without being held; an answer among them fails its request at once', () => {
  const { feed, messages, errors } = transport(1000);
  const big = (prefix, suffix) => `${prefix}"${'x'.repeat(3000)}"${suffix}\n`;
  const inChunks = (text, size) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
  // the TypeScript SDK writes the id last; others first; in 100-byte chunks and in one
  const first = big('{"result":{"content":[{"type":"text","text":', '}]},"jsonrpc":"2.0","id":7}');
  feed(...inChunks(first, 100));
  feed(big('{"jsonrpc":"2.0","id":"req-8","result":{"text":', '}}'));
  // a request from the server, and a notification: reported only
  feed(big('{"jsonrpc":"2.0","id":9,"method":"sampling/createMessage","params":{"text":', '}}'));
  feed(...inChunks(big('{"jsonrpc":"2.0","method":"notifications/message","params":{"data":', '}}'), 512));
  feed('{"jsonrpc":"2.0","id":10,"result":{"fine":true}}\n');
  assert.equal(errors.length, 4);
  for (const error of errors) assert.match(error, /^the MCP server sent a message of \d+ bytes, above the limit of 1000 bytes for one answer; ask it for less/);
  assert.ok(errors[0].includes(`message of ${first.length - 1} bytes`)); // counted to the end, though not kept
  assert.deepEqual(messages.map((m) => [m.id, m.error?.code ?? m.result]), [[7, -32603], ['req-8', -32603], [10, { fine: true }]]);
  assert.equal(messages[0].error.message, errors[0]);
});

test('a message just under the limit, in many chunks, arrives whole', () => {
  const { feed, messages, errors } = transport(1000);
  const text = `{"jsonrpc":"2.0","id":1,"result":{"t":"${'é'.repeat(450)}"}}\n`; // 900 bytes of é
  const bytes = Buffer.from(text);
  assert.ok(bytes.length < 1001);
  feed(...Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)));
  assert.deepEqual(errors, []);
  assert.equal(messages[0].result.t, 'é'.repeat(450));
});

test('the id of an answer is read only where the top level holds it', () => {
  assert.equal(answerId('{"jsonrpc":"2.0","id":3,"result":', ''), 3);
  assert.equal(answerId('{"id":"a\\"b","result":', ''), 'a"b');
  assert.equal(answerId('{"result":{"x', '"z"}},"jsonrpc":"2.0","id":-4}\r'), -4);
  assert.equal(answerId('{"result":{"id":5,"x":', '"y":{"id":6}}}'), undefined); // both nested
  assert.equal(answerId('{"result":[{"id":5}', '{"id":6}]}'), undefined);
});
