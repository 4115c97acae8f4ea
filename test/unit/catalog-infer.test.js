import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observe, toJsonSchema, isShape, DEFAULT_LIMITS } from '../../dist/catalog/infer.js';

function learn(...values) {
  const shape = {};
  for (const value of values) observe(shape, value);
  return shape;
}

test('merges objects across observations: required only when always present', () => {
  const shape = learn({ id: 1, name: 'a', tags: ['x'] }, { id: 2, tags: [], extra: null });
  assert.deepEqual(toJsonSchema(shape), {
    type: 'object',
    properties: {
      id: { type: 'number' },
      name: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
      extra: { type: 'null' },
    },
    required: ['id', 'tags'],
  });
});

test('different kinds become a union', () => {
  assert.deepEqual(toJsonSchema(learn('a', 1)), { type: ['string', 'number'] });
  assert.deepEqual(toJsonSchema(learn({ a: 1 }, null)), { anyOf: [{ type: 'object', properties: { a: { type: 'number' } }, required: ['a'] }, { type: 'null' }] });
});

test('observe reports whether anything new was learned', () => {
  const shape = {};
  assert.equal(observe(shape, { a: 1 }), true);
  assert.equal(observe(shape, { a: 2 }), false);
  assert.equal(observe(shape, {}), true, 'a is no longer required');
  assert.equal(observe(shape, { a: 'x' }), true);
});

test('objects with too many keys become maps', () => {
  const wide = Object.fromEntries(Array.from({ length: DEFAULT_LIMITS.maxProperties + 1 }, (_, i) => [`k${i}`, { n: i }]));
  assert.deepEqual(toJsonSchema(learn(wide)), {
    type: 'object',
    additionalProperties: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  });
});

test('depth and size stay bounded', () => {
  let deep = 'leaf';
  for (let i = 0; i < 50; i++) deep = { next: deep };
  let schema = toJsonSchema(learn(deep));
  let depth = 0;
  while (schema.properties) {
    schema = schema.properties.next;
    depth++;
  }
  assert.ok(depth <= DEFAULT_LIMITS.maxDepth, `depth ${depth}`);
  assert.deepEqual(schema, {}, 'what lies below the limit is unknown');

  const row = (i) => Object.fromEntries(Array.from({ length: 60 }, (_, j) => [`c${i}_${j}`, j]));
  const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`r${i}`, row(i)]));
  const shape = learn(wide);
  const text = JSON.stringify(toJsonSchema(shape));
  assert.ok((text.match(/"type"/g) ?? []).length <= DEFAULT_LIMITS.maxNodes, 'no more nodes than the budget');
  assert.match(text, /"additionalProperties":true/, 'keys left out are marked');
});

test('large arrays are sampled, not walked in full', () => {
  const big = Array.from({ length: 100_000 }, (_, i) => ({ i }));
  big[99_999] = { i: 1, late: true };
  const shape = learn(big);
  assert.deepEqual(toJsonSchema(shape), { type: 'array', items: { type: 'object', properties: { i: { type: 'number' } }, required: ['i'] } });
});

test('isShape accepts learned shapes and rejects foreign values', () => {
  assert.equal(isShape(JSON.parse(JSON.stringify(learn({ a: [1, { b: null }] })))), true);
  assert.equal(isShape({ object: { properties: { a: 3 }, required: [] } }), false);
  assert.equal(isShape('x'), false);
});
