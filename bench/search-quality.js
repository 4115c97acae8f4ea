// Search quality on GitHub's API: hit@1/3/5 and MRR@10 over the query fixture (bench/data), our ranking
// beside the reference server's, and the same on a held-out query set written before tuning.
// Usage: node bench/search-quality.js [--verbose] [--json]

import { readFileSync } from 'node:fs';
import { createSearchIndex } from '../dist/search/index.js';
import { loadGithubCatalog, operationsOf } from './search-github-catalog.js';
import { createReferenceIndex } from './search-reference.js';
import { HELDOUT_QUERIES } from './search-heldout-queries.js';

const FIXTURE = new URL('./data/github-search-queries.json', import.meta.url);
const DEPTH = 10;

export function evaluate(queries, rankSourceNames) {
  const ranks = queries.map(({ query, expect }) => {
    const names = rankSourceNames(query);
    const positions = expect.map((name) => names.indexOf(name)).filter((i) => i >= 0);
    return { query, expect, rank: positions.length ? Math.min(...positions) + 1 : undefined, top: names.slice(0, 3) };
  });
  const hit = (k) => ranks.filter((r) => r.rank !== undefined && r.rank <= k).length / ranks.length;
  const mrr = ranks.reduce((sum, r) => sum + (r.rank ? 1 / r.rank : 0), 0) / ranks.length;
  return { hit1: hit(1), hit3: hit(3), hit5: hit(5), mrr, ranks };
}

export function loadQueries(file = FIXTURE) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

async function main() {
  const verbose = process.argv.includes('--verbose');
  const json = process.argv.includes('--json');
  const queries = loadQueries();
  const { catalog, via, spec } = await loadGithubCatalog();
  const ours = createSearchIndex(catalog);
  const operations = operationsOf(spec);
  const reference = createReferenceIndex([...catalog.entries()].map(({ tool }) => {
    const op = operations.get(tool.sourceName);
    return { apiGroup: 'github', functionName: tool.sourceName, description: op?.summary || op?.description || tool.description };
  }));
  const rankers = {
    ours: (q) => ours.search(q, { maxResults: DEPTH }).map((r) => catalog.get(r.id).tool.sourceName),
    reference: (q) => reference.search(q, DEPTH).map((r) => r.functionName),
  };
  const sets = { fixture: queries, heldout: HELDOUT_QUERIES };
  const results = { catalog: { functions: catalog.size, via } };
  for (const [set, list] of Object.entries(sets)) {
    results[set] = { queries: list.length };
    for (const [name, rank] of Object.entries(rankers)) results[set][name] = evaluate(list, rank);
  }
  if (json) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  console.log(`GitHub catalog: ${catalog.size} functions (built via ${via}); MRR cut at ${DEPTH}`);
  for (const set of Object.keys(sets)) {
    console.log(`\n${set} (${results[set].queries} queries)  hit@1   hit@3   hit@5   MRR`);
    for (const name of Object.keys(rankers)) {
      const r = results[set][name];
      console.log(`  ${name.padEnd(24)}${[r.hit1, r.hit3, r.hit5, r.mrr].map((v) => v.toFixed(3).padEnd(6)).join('  ')}`);
    }
    if (!verbose) continue;
    for (const name of Object.keys(rankers)) {
      console.log(`  ${name}:`);
      for (const r of results[set][name].ranks) {
        console.log(`    ${String(r.rank ?? '-').padStart(2)}  ${r.query.padEnd(45)} ${r.rank === 1 ? '' : `want ${r.expect.join('|')}; got ${r.top.join(', ')}`}`);
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
