// Search evaluation on questions in people's words (bench/search-eval/<catalog>.json): each catalog's OpenAPI
// document, loaded from its npm package by the real OpenAPI loader, is ranked question by question.
// Prints MRR (cut at 10), hit@1 and hit@5 per catalog, and query times: p50 and p99 over five warm rounds,
// and p50 of each question's first run; the tuning half by default.
// Usage: node bench/search-eval.js [--half tune|test|holdout] [--catalog name] [--verbose] [--json] [--sets DIR] [--dist DIR]
//          [--embeddings URL MODEL]   fuse an OpenAI-compatible endpoint's embeddings (reciprocal rank)
//          [--descriptions]           give each function its operation's whole description, not the summary alone
// --verbose lists the misses, and only for the tuning half: the test half and held-out files (every question
// "holdout", e.g. github-fresh.json) are read for their totals alone. A file with no question in the half asked
// for is skipped.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// --dist DIR ranks with another build (a baseline compiled elsewhere) on the same questions
const DIST = process.argv.includes('--dist') ? `file://${process.argv[process.argv.indexOf('--dist') + 1].replace(/\/?$/, '/')}` : new URL('../dist/', import.meta.url).href;
const { Catalog, loadGroup } = await import(`${DIST}catalog/index.js`);
const { createLogger } = await import(`${DIST}logging/index.js`);
const { createSearchIndex, openAiEmbedder } = await import(`${DIST}search/index.js`);

const SETS = new URL(option('--sets') ? `file://${option('--sets').replace(/\/?$/, '/')}` : './search-eval/', import.meta.url);
const DEPTH = 10;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const require = createRequire(import.meta.url);

function option(name) {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

/** Where an npm package's file is, even when its package.json `exports` hides it. */
export function packageFile(spec, inside) {
  const at = spec.lastIndexOf('@');
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
  // the package's folder from node_modules directly: its `exports` may hide package.json and the document
  const folder = require.resolve.paths(name).map((dir) => join(dir, name)).find((dir) => existsSync(join(dir, 'package.json')));
  if (!folder) throw new Error(`${name} is not installed; npm install it (a devDependency) to evaluate this set`);
  const manifest = join(folder, 'package.json');
  const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (version && installed !== version) console.warn(`${name}: the set was written for ${version}, ${installed} is installed`);
  return join(dirname(manifest), inside);
}

export function loadEvalSets(only) {
  return readdirSync(SETS).filter((file) => file.endsWith('.json')).sort()
    .map((file) => JSON.parse(readFileSync(new URL(file, SETS), 'utf8')))
    .filter((set) => !only || set.catalog === only);
}

/** The catalog of one set through the real loader, and how to name each answer as a function id. */
export async function loadEvalCatalog(set) {
  const spec = packageFile(set.package, set.document);
  const logger = createLogger({ level: 'silent', format: 'text' });
  const name = set.catalog.replace(/[^A-Za-z0-9_]/g, '_');
  const started = performance.now();
  const group = await loadGroup({ type: 'openapi', name, spec, timeout: 30000, concurrency: 8, retries: 0 }, { logger, configDir: process.cwd() });
  const loadMs = performance.now() - started;
  const catalog = new Catalog([group]);
  const bySource = new Map([...catalog.entries()].map((entry) => [entry.tool.sourceName, entry.id]));
  const { routes, operations } = readDocument(spec);
  if (process.argv.includes('--descriptions')) {
    // what the ranking would see if the loader kept each operation's whole description (today: its summary)
    for (const { tool } of catalog.entries()) {
      const op = operations.get(tool.sourceName);
      if (op?.description && op.description.trim() !== tool.description) tool.description = `${tool.description}\n\n${op.description}`;
    }
  }
  // an answer names its operation by operationId, or by method and path when the document has none
  const idOf = (answer) => bySource.get(answer.operationId)
    ?? bySource.get(routes.get(`${answer.method?.toLowerCase()} ${answer.path}`))
    ?? bySource.get(`${answer.method?.toUpperCase()} ${answer.path}`);
  return { catalog, idOf, loadMs };
}

// method + path -> operationId, and operationId -> operation, read from the document itself (JSON or YAML)
function readDocument(file) {
  const text = readFileSync(file, 'utf8');
  let document;
  try {
    document = JSON.parse(text);
  } catch {
    document = require('yaml').parse(text);
  }
  const routes = new Map();
  const operations = new Map();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const id = item?.[method]?.operationId;
      if (!id) continue;
      routes.set(`${method} ${path}`, id);
      operations.set(id, item[method]);
    }
  }
  return { routes, operations };
}

export function score(ranks) {
  const n = ranks.length || 1;
  const hit = (k) => ranks.filter((r) => r !== undefined && r <= k).length / n;
  return { mrr: ranks.reduce((sum, r) => sum + (r ? 1 / r : 0), 0) / n, hit1: hit(1), hit5: hit(5) };
}

function percentile(times, p) {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function evaluateSet(set, half, { verbose, embedder }) {
  const { catalog, idOf, loadMs } = await loadEvalCatalog(set);
  const questions = set.questions.filter((q) => q.half === half);
  const unmapped = questions.flatMap((q) => q.answers.filter((a) => !idOf(a)).map((a) => a.operationId ?? `${a.method} ${a.path}`));
  const rssBefore = process.memoryUsage().rss;
  const index = createSearchIndex(catalog, embedder ? { embedder } : {});
  let started = performance.now();
  await index.warmUp();
  const buildMs = performance.now() - started;
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  const ranks = [];
  const times = [];
  const misses = [];
  for (const question of questions) {
    const wanted = new Set(question.answers.map(idOf).filter(Boolean));
    started = performance.now();
    const results = embedder ? await index.searchAsync(question.q, { maxResults: DEPTH }) : index.search(question.q, { maxResults: DEPTH });
    times.push(performance.now() - started);
    const at = results.findIndex((r) => wanted.has(r.id));
    ranks.push(at === -1 ? undefined : at + 1);
    if (verbose && at !== 0) misses.push({ q: question.q, rank: at === -1 ? '-' : at + 1, want: [...wanted].join('|'), got: results.slice(0, 3).map((r) => r.id) });
  }
  // p50 on a warm index: the same questions again, lexical ranking alone unless embeddings are fused
  const warm = [];
  for (let round = 0; round < 5; round++) {
    for (const question of questions) {
      started = performance.now();
      if (embedder) await index.searchAsync(question.q, { maxResults: DEPTH });
      else index.search(question.q, { maxResults: DEPTH });
      warm.push(performance.now() - started);
    }
  }
  return { catalog: set.catalog, functions: catalog.size, questions: questions.length, unmapped, loadMs, buildMs, rssGrowth, ...score(ranks), p50: percentile(warm, 0.5), p99: percentile(warm, 0.99), p50First: percentile(times, 0.5), misses };
}

async function main() {
  const half = option('--half') ?? 'tune';
  if (!['tune', 'test', 'holdout'].includes(half)) throw new Error('--half is tune, test or holdout');
  const verbose = process.argv.includes('--verbose') && half === 'tune';
  const json = process.argv.includes('--json');
  const embeddingsAt = process.argv.indexOf('--embeddings');
  let embedder;
  if (embeddingsAt !== -1) {
    embedder = openAiEmbedder({ url: process.argv[embeddingsAt + 1], model: process.argv[embeddingsAt + 2] });
  }
  const sets = loadEvalSets(option('--catalog')).filter((set) => set.questions.some((q) => q.half === half));
  if (sets.length === 0) throw new Error(`no evaluation set in ${SETS.pathname} has ${half} questions`);
  const results = [];
  for (const set of sets) results.push(await evaluateSet(set, half, { verbose, embedder }));
  if (json) {
    console.log(JSON.stringify({ half, results: results.map(({ misses, ...r }) => (verbose ? { ...r, misses } : r)) }, null, 2));
    return;
  }
  console.log(`half: ${half}; MRR cut at ${DEPTH}; ${embedder ? 'lexical + embeddings (RRF)' : 'lexical'}; Node ${process.version}`);
  console.log('catalog          functions  questions  MRR    hit@1  hit@5  p50 ms  p99 ms  p50 first  build ms  RSS +MB');
  for (const r of results) {
    console.log(`${r.catalog.padEnd(17)}${String(r.functions).padEnd(11)}${String(r.questions).padEnd(11)}${[r.mrr, r.hit1, r.hit5].map((v) => v.toFixed(3).padEnd(7)).join('')}${r.p50.toFixed(3).padEnd(8)}${r.p99.toFixed(3).padEnd(8)}${r.p50First.toFixed(3).padEnd(11)}${r.buildMs.toFixed(0).padEnd(10)}${(r.rssGrowth / 2 ** 20).toFixed(1)}`);
    if (r.unmapped.length) console.log(`  answers with no function in the catalog: ${r.unmapped.join(', ')}`);
  }
  if (!verbose) return;
  for (const r of results) {
    console.log(`\n${r.catalog}: questions not answered first`);
    for (const m of r.misses) console.log(`  ${String(m.rank).padStart(2)}  ${m.q}\n      want ${m.want}; got ${m.got.join(', ')}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
