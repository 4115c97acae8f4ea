// Search speed on GitHub's API: time to index the catalog, and per-query latency for our ranking
// and for the reference's scoring over the same functions. Usage: node bench/search-speed.js [rounds]

import { createSearchIndex } from '../dist/search/index.js';
import { loadGithubCatalog, operationsOf } from './search-github-catalog.js';
import { createReferenceIndex } from './search-reference.js';
import { loadQueries } from './search-quality.js';
import { HELDOUT_QUERIES } from './search-heldout-queries.js';

const rounds = Number(process.argv[2] ?? 50);
const { catalog, via, spec } = await loadGithubCatalog();
const queries = [...loadQueries(), ...HELDOUT_QUERIES].map((q) => q.query);

let started = performance.now();
const ours = createSearchIndex(catalog);
await ours.warmUp(); // the index is built lazily; this builds it now
const indexMs = performance.now() - started;
const operations = operationsOf(spec);
started = performance.now();
const reference = createReferenceIndex([...catalog.entries()].map(({ tool }) => ({
  apiGroup: 'github', functionName: tool.sourceName, description: operations.get(tool.sourceName)?.summary ?? tool.description,
})));
const referenceIndexMs = performance.now() - started;

function measure(run) {
  for (const q of queries) run(q); // warm-up
  const times = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t = performance.now();
      run(q);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { mean: times.reduce((a, b) => a + b, 0) / times.length, p50: at(0.5), p99: at(0.99) };
}

const oursTimes = measure((q) => ours.search(q, { maxResults: 10 }));
const referenceTimes = measure((q) => reference.search(q, 10));
console.log(`GitHub catalog: ${catalog.size} functions (via ${via}); ${queries.length} queries x ${rounds} rounds; Node ${process.version}`);
console.log(`index build: ours ${indexMs.toFixed(1)} ms, reference ${referenceIndexMs.toFixed(1)} ms`);
console.log('per query (ms)      mean    p50     p99');
for (const [name, t] of [['ours', oursTimes], ['reference', referenceTimes]]) {
  console.log(`  ${name.padEnd(16)}${[t.mean, t.p50, t.p99].map((v) => v.toFixed(3).padEnd(6)).join('  ')}`);
}
