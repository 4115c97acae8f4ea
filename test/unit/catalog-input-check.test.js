// The one input checker of every source (OpenAPI, MCP, module): clear words, both JSON Schema dialects sources
// write, readOnly properties never asked of a caller, and an invalid schema refused when compiled.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileInputCheck } from '../../dist/catalog/input-check.js';

const messageOf = (check, input) => check(input)?.message;

test('2020-12 and draft-07 schemas, with or without $schema, check the same input the same way', () => {
  const pair2020 = compileInputCheck({ type: 'object', properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false } } }, 'f');
  const pair07 = compileInputCheck({ type: 'object', properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], additionalItems: false } } }, 'f');
  const named07 = compileInputCheck({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'integer' } }, definitions: {} }, 'f');
  for (const check of [pair2020, pair07]) {
    assert.equal(check({ pair: ['a', 1] }), undefined);
    assert.equal(messageOf(check, { pair: ['a', 'b'] }), 'f: invalid input: "pair"[1] must be a number, not the string "b"');
  }
  assert.equal(messageOf(named07, { n: 1.5 }), 'f: invalid input: "n" must be an integer, not number 1.5');
  assert.equal(named07({ n: 2 }), undefined);
});

test('a readOnly property is never required of a caller; an invalid schema throws when compiled', () => {
  const check = compileInputCheck({ type: 'object', required: ['id', 'name'], properties: { id: { type: 'string', readOnly: true }, name: { type: 'string' } } }, 'f');
  assert.equal(check({ name: 'x' }), undefined);
  assert.equal(check({}).code, 'VALIDATION_FAILED');
  assert.throws(() => compileInputCheck({ type: 'object', properties: { a: { type: 'strin' } } }, 'f'), /schema is invalid/);
});
