// Ranking quality on GitHub's whole API (1,223 functions) against the query fixture in bench/data:
// floors set from measured figures (bench/search-quality.js), with room for one query to drift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSearchIndex } from '../../dist/search/index.js';
import { loadGithubCatalog } from '../../bench/search-github-catalog.js';
import { evaluate, loadQueries } from '../../bench/search-quality.js';
import { HELDOUT_QUERIES } from '../../bench/search-heldout-queries.js';

const { catalog } = await loadGithubCatalog();
const index = createSearchIndex(catalog);
const rank = (query) => index.search(query, { maxResults: 10 }).map((r) => catalog.get(r.id).tool.sourceName);
const failures = (result) => result.ranks.filter((r) => !r.rank || r.rank > 5).map((r) => `${r.query} -> ${r.top.join(', ')}`);

test('GitHub fixture: the expected operation is in the top 5 for at least 24 of 25 queries', () => {
  assert.ok(catalog.size > 1000, `GitHub has over 1,000 operations, got ${catalog.size}`);
  const result = evaluate(loadQueries(), rank);
  assert.ok(result.hit5 >= 0.96, `hit@5 ${result.hit5}; misses: ${failures(result).join('; ')}`);
  assert.ok(result.hit1 >= 0.8, `hit@1 ${result.hit1}`);
  assert.ok(result.mrr >= 0.88, `MRR ${result.mrr}`);
});

test('held-out queries (not used to pick the fixture floor) stay strong too', () => {
  const result = evaluate(HELDOUT_QUERIES, rank);
  assert.ok(result.hit5 >= 0.9, `hit@5 ${result.hit5}; misses: ${failures(result).join('; ')}`);
  assert.ok(result.mrr >= 0.85, `MRR ${result.mrr}`);
});
