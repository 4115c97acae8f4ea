// What the search index costs on GitHub's API (1,223 functions): build time (first and median of five),
// heap and RSS it adds, and the first queries' time, when WordNet's files are opened and read.
// Usage: node --expose-gc bench/search-footprint.js [--dist DIR]   (--dist: another build, e.g. a baseline)

const DIST = process.argv.includes('--dist') ? `file://${process.argv[process.argv.indexOf('--dist') + 1].replace(/\/?$/, '/')}` : new URL('../dist/', import.meta.url).href;
const { createSearchIndex } = await import(`${DIST}search/index.js`);
const { loadGithubCatalog } = await import('./search-github-catalog.js');

const gc = () => {
  for (let i = 0; i < 3; i++) globalThis.gc?.(); // a few passes: the spec's parse leaves garbage that takes more than one
};
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const { catalog } = await loadGithubCatalog();
const questions = ['who can see this folder', 'do away with an old draft', 'invite somebody to the workspace', 'semd a note'];

gc();
const before = process.memoryUsage();
let started = performance.now();
const index = createSearchIndex(catalog);
await index.warmUp();
const firstBuild = performance.now() - started;
const firstQueries = questions.map((q) => {
  const t = performance.now();
  index.search(q);
  return performance.now() - t;
});
gc();
const after = process.memoryUsage();
index.search('keep the index alive until here');
const builds = [];
const kept = [];
for (let i = 0; i < 5; i++) {
  started = performance.now();
  const another = createSearchIndex(catalog);
  await another.warmUp();
  builds.push(performance.now() - started);
  for (const q of questions) another.search(q);
  kept.push(another); // kept alive: the heap they hold together, divided by five, is one index's
}
gc();
const perIndex = (process.memoryUsage().heapUsed - after.heapUsed) / kept.length;
builds.sort((a, b) => a - b);
console.log(`GitHub: ${catalog.size} functions; Node ${process.version}; ${globalThis.gc ? 'after gc' : 'run with --expose-gc for steady heap figures'}`);
console.log(`index build: first ${firstBuild.toFixed(0)} ms, median of 5 ${builds[2].toFixed(0)} ms`);
console.log(`one index holds ${mb(perIndex)} MB of heap; RSS +${mb(after.rss - before.rss)} MB with the first index and its first queries (WordNet's index files included)`);
console.log(`first queries (cold: WordNet read from disk): ${firstQueries.map((t) => t.toFixed(2)).join(', ')} ms`);
