// Tries ranking weights on the tuning half of bench/search-eval (never the test half): one line per
// setting with MRR and hit@5 per catalog and their mean, so a change is kept only when it helps across APIs.
// Usage: node bench/search-tune.js [--descriptions] [--dist DIR] 'JSON of Partial<Tuning>' ...   (none: the defaults)
//   e.g. node bench/search-tune.js '{"related":0.3}' '{"related":0.7}'

import { loadEvalCatalog, loadEvalSets, score } from './search-eval.js';

// --dist DIR: another build (e.g. one compiled elsewhere while dist/ is busy)
const DIST = process.argv.includes('--dist') ? `file://${process.argv[process.argv.indexOf('--dist') + 1].replace(/\/?$/, '/')}` : new URL('../dist/', import.meta.url).href;
const { buildLexicalIndex } = await import(`${DIST}search/lexical.js`);
const { DEFAULT_TUNING, tuningWith } = await import(`${DIST}search/tuning.js`);

const settings = process.argv.slice(2).filter((arg) => arg.startsWith('{')).map((arg) => JSON.parse(arg));
if (settings.length === 0) settings.push({});

const catalogs = [];
for (const set of loadEvalSets().filter((s) => s.questions.some((q) => q.half === 'tune'))) {
  const { catalog, idOf } = await loadEvalCatalog(set);
  const questions = set.questions.filter((q) => q.half === 'tune').map((q) => ({ q: q.q, wanted: new Set(q.answers.map(idOf).filter(Boolean)) }));
  catalogs.push({ name: set.catalog, entries: [...catalog.entries()], questions });
}

console.log(`tune half; MRR@10 / hit@5 per catalog; defaults ${JSON.stringify(DEFAULT_TUNING)}`);
console.log(`${'setting'.padEnd(60)}${catalogs.map((c) => c.name.padEnd(14)).join('')}mean MRR`);
for (const overrides of settings) {
  const tuning = tuningWith(overrides);
  const scores = catalogs.map(({ entries, questions }) => {
    const index = buildLexicalIndex(entries, tuning);
    return score(questions.map(({ q, wanted }) => {
      const at = index.rank(q, undefined, 10).findIndex((r) => wanted.has(r.entry.id));
      return at === -1 ? undefined : at + 1;
    }));
  });
  const mean = scores.reduce((sum, s) => sum + s.mrr, 0) / scores.length;
  console.log(`${JSON.stringify(overrides).slice(0, 58).padEnd(60)}${scores.map((s) => `${s.mrr.toFixed(3)}/${s.hit5.toFixed(2)}`.padEnd(14)).join('')}${mean.toFixed(3)}`);
}
