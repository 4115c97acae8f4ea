// What an embeddings endpoint adds to search, on the questions of bench/search-eval/: per catalog and half, the
// lexical ranking alone, the embeddings alone (cosine over the same texts the index embeds) and the two fused by
// reciprocal rank as search.embeddings does; the time to embed the catalog; and the query latency added by a
// query the endpoint has not embedded before (the index caches query vectors, so the harness's warm p50 hides it).
// The catalog is embedded once per run and shared by both halves and both rankings.
// Usage: node bench/embeddings/measure.mjs --embeddings URL MODEL [--half tune|test|both] [--catalog name] [--dist DIR] [--json]
//          [--without-ids]   a diagnostic, tuning half only: send each function's text without its leading id
//                            ("github.issues.listForRepo: ..."), to tell the model's weakness from the text's
// The test half is read for its totals alone, as in bench/search-eval.js.

const { loadEvalSets, loadEvalCatalog, score } = await import('../search-eval.js');

const DIST = process.argv.includes('--dist') ? `file://${process.argv[process.argv.indexOf('--dist') + 1].replace(/\/?$/, '/')}` : new URL('../../dist/', import.meta.url).href;
const { createSearchIndex, openAiEmbedder } = await import(`${DIST}search/index.js`);
const { createSemanticRanker } = await import(`${DIST}search/semantic.js`);
const DEPTH = 10;

function option(name) {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const ID_PREFIX = /^[A-Za-z0-9_]+\.[A-Za-z0-9_.]+: /;

/** The endpoint behind a text -> vector memo, so the second ranking reuses what the first embedded. */
function memoised(inner, withoutIds = false) {
  const vectors = new Map();
  return {
    requests: 0,
    async embed(texts, signal) {
      const missing = [...new Set(texts.filter((text) => !vectors.has(text)))];
      if (missing.length) {
        this.requests++;
        const got = await inner.embed(withoutIds ? missing.map((text) => text.replace(ID_PREFIX, '')) : missing, signal);
        missing.forEach((text, i) => vectors.set(text, got[i]));
      }
      return texts.map((text) => vectors.get(text));
    },
  };
}

async function measureSet(set, halves, endpoint, withoutIds) {
  const { catalog, idOf } = await loadEvalCatalog(set);
  const embedder = memoised(endpoint, withoutIds);
  const index = createSearchIndex(catalog, { embedder });
  index.search('warm up the lexical index');
  let started = performance.now();
  await index.warmUp();
  const buildMs = performance.now() - started;
  const entries = [...catalog.entries()];
  const alone = createSemanticRanker(embedder);
  await alone.warmUp(entries); // from the memo: no request
  const rows = [];
  for (const half of halves) {
    const questions = set.questions.filter((q) => q.half === half);
    const ranks = { lexical: [], embeddings: [], fused: [] };
    const times = { lexical: [], fused: [], embedQuery: [] };
    for (const question of questions) {
      const wanted = new Set(question.answers.map(idOf).filter(Boolean));
      const rankOf = (ids) => {
        const at = ids.findIndex((id) => wanted.has(id));
        return at === -1 ? undefined : at + 1;
      };
      started = performance.now();
      const lexical = index.search(question.q, { maxResults: DEPTH });
      times.lexical.push(performance.now() - started);
      started = performance.now();
      const fused = await index.searchAsync(question.q, { maxResults: DEPTH }); // the query is new to the index: embedded now
      times.fused.push(performance.now() - started);
      started = performance.now();
      await endpoint.embed([question.q]); // the endpoint's own time for one query, for comparison
      times.embedQuery.push(performance.now() - started);
      const semantic = await alone.rank(entries, question.q, undefined, DEPTH);
      ranks.lexical.push(rankOf(lexical.map((r) => r.id)));
      ranks.fused.push(rankOf(fused.map((r) => r.id)));
      ranks.embeddings.push(rankOf(semantic.map((r) => r.entry.id)));
    }
    rows.push({
      catalog: set.catalog, half, functions: catalog.size, questions: questions.length,
      lexical: score(ranks.lexical), embeddings: score(ranks.embeddings), fused: score(ranks.fused),
      buildMs, p50: { lexical: percentile(times.lexical, 0.5), fused: percentile(times.fused, 0.5), embedQuery: percentile(times.embedQuery, 0.5) },
      p99: { fused: percentile(times.fused, 0.99) },
    });
  }
  return rows;
}

async function main() {
  const at = process.argv.indexOf('--embeddings');
  if (at === -1 || !process.argv[at + 2]) throw new Error('usage: node bench/embeddings/measure.mjs --embeddings URL MODEL [--half tune|test|both] [--catalog name] [--dist DIR] [--json]');
  const endpoint = openAiEmbedder({ url: process.argv[at + 1], model: process.argv[at + 2] }, { timeoutMs: 600_000 });
  const half = option('--half') ?? 'both';
  if (!['tune', 'test', 'both'].includes(half)) throw new Error('--half is tune, test or both');
  const halves = half === 'both' ? ['tune', 'test'] : [half];
  const withoutIds = process.argv.includes('--without-ids');
  if (withoutIds && halves.includes('test')) throw new Error('--without-ids is a diagnostic for the tuning half: add --half tune');
  const sets = loadEvalSets(option('--catalog'));
  const rows = [];
  for (const set of sets) rows.push(...(await measureSet(set, halves, endpoint, withoutIds)));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ model: process.argv[at + 2], rows }, null, 2));
    return;
  }
  console.log(`model ${process.argv[at + 2]}${withoutIds ? ', function texts without their ids' : ''}; MRR cut at ${DEPTH}; MRR / hit@1 / hit@5; Node ${process.version}`);
  console.log('catalog   half  fns   qs  lexical            embeddings alone   fused (RRF)        embed catalog  p50 lexical  p50 fused (new query)  p50 endpoint 1 query');
  const fmt = (s) => [s.mrr, s.hit1, s.hit5].map((v) => v.toFixed(3)).join(' ').padEnd(19);
  for (const r of rows) {
    console.log(`${r.catalog.padEnd(10)}${r.half.padEnd(6)}${String(r.functions).padEnd(6)}${String(r.questions).padEnd(4)}${fmt(r.lexical)}${fmt(r.embeddings)}${fmt(r.fused)}${`${(r.buildMs / 1000).toFixed(1)} s`.padEnd(15)}${`${r.p50.lexical.toFixed(2)} ms`.padEnd(13)}${`${r.p50.fused.toFixed(1)} ms`.padEnd(23)}${r.p50.embedQuery.toFixed(1)} ms`);
  }
}

await main();
