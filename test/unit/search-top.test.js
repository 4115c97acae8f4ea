// topK: the best k of n, in order, equal to sorting everything and taking k.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from '../../dist/search/top.js';

test('topK matches a full sort for every k, with ties broken by the comparator', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const items = Array.from({ length: 500 }, (_, id) => ({ id, score: Math.floor(random() * 50) }));
  const before = (a, b) => a.score !== b.score ? a.score > b.score : a.id < b.id;
  const sorted = [...items].sort((a, b) => (before(a, b) ? -1 : 1));
  for (const k of [0, 1, 2, 10, 49, 250, 500, 600]) {
    assert.deepEqual(topK(items, k, before), sorted.slice(0, k), `k=${k}`);
  }
});
