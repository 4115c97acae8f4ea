import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultValue, McpToolError } from '../../dist/catalog/loaders/mcp/result.js';

const text = (t) => ({ type: 'text', text: t });

test('structuredContent wins over content', () => {
  assert.deepEqual(resultValue({ content: [text('{"a":1}')], structuredContent: { a: 2 } }), { a: 2 });
});

test('one text block: JSON objects and arrays are parsed, anything else stays text', () => {
  assert.deepEqual(resultValue({ content: [text(' {"a":[1,2]} ')] }), { a: [1, 2] });
  assert.deepEqual(resultValue({ content: [text('[1,2]')] }), [1, 2]);
  assert.equal(resultValue({ content: [text('42')] }), '42');
  assert.equal(resultValue({ content: [text('{not json')] }), '{not json');
  assert.equal(resultValue({ content: [text('Echo: hi')] }), 'Echo: hi');
});

test('several text blocks: an array when each is JSON, else the texts joined', () => {
  assert.deepEqual(resultValue({ content: [text('{"a":1}'), text('{"a":2}')] }), [{ a: 1 }, { a: 2 }]);
  assert.equal(resultValue({ content: [text('one'), text('two')] }), 'one\ntwo');
});

test('images, audio and resources become documented objects', () => {
  assert.deepEqual(resultValue({ content: [{ type: 'image', mimeType: 'image/png', data: 'AAA=' }] }), { type: 'image', mimeType: 'image/png', data: 'AAA=' });
  assert.deepEqual(resultValue({ content: [text('see'), { type: 'audio', mimeType: 'audio/wav', data: 'UklG' }] }), ['see', { type: 'audio', mimeType: 'audio/wav', data: 'UklG' }]);
  assert.deepEqual(resultValue({ content: [{ type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'hi' } }, text('x')] }), [
    { type: 'resource', uri: 'file:///a.txt', mimeType: 'text/plain', text: 'hi' },
    'x',
  ]);
  assert.deepEqual(resultValue({ content: [{ type: 'resource_link', uri: 'file:///b', name: 'b', extra: 1 }] }), { type: 'resource_link', uri: 'file:///b', name: 'b' });
});

test('no content is null; the 2024-10-07 toolResult is returned as is', () => {
  assert.equal(resultValue({ content: [] }), null);
  assert.deepEqual(resultValue({ toolResult: { ok: true } }), { ok: true });
});

test('isError throws an Error with the server\'s message', () => {
  assert.throws(() => resultValue({ isError: true, content: [text('MCP error -32602: bad input'), text('try again')] }), (error) => {
    return error instanceof McpToolError && error instanceof Error && error.message === 'bad input\ntry again';
  });
  assert.throws(() => resultValue({ isError: true, content: [] }), /reported an error without a message/);
});

test('a result as a careless server sends it: blocks that are not objects are skipped, isError counts only when true', () => {
  assert.equal(resultValue({ content: [null, 42, 'loose text', [text('nested')], text('Echo: hi')] }), 'Echo: hi');
  assert.equal(resultValue({ content: [null] }), null);
  assert.equal(resultValue({ content: 'not an array' }), null);
  assert.equal(resultValue({ isError: 'yes', content: [text('fine')] }), 'fine');
  assert.deepEqual(resultValue({ content: [{ type: 'widget', size: 3 }] }), { type: 'widget', size: 3 });
  assert.deepEqual(resultValue({ content: [{ type: 'resource', resource: 'file:///a' }] }), { type: 'resource' });
});
