// Search with search.embeddings configured but the endpoint unavailable: refused (nothing listens), failing
// (HTTP 500 at once) and hung (accepts the request, never answers). For each, on one catalog's tuning questions:
// does searchAsync rank exactly as the lexical ranking does, how long warmUp() takes, and the p50 and worst query
// latency while questions keep coming for --window seconds (longer than the index's 30 s pause before it tries the
// endpoint again). The embedder is the one the config builds (openAiEmbedder with its defaults: 30 s timeout).
// Usage: node bench/embeddings/unavailable.mjs [--catalog github] [--window 40] [--only refused|failing|hung] [--dist DIR]

import { createServer } from 'node:http';

const { loadEvalSets, loadEvalCatalog } = await import('../search-eval.js');
const DIST = process.argv.includes('--dist') ? `file://${process.argv[process.argv.indexOf('--dist') + 1].replace(/\/?$/, '/')}` : new URL('../../dist/', import.meta.url).href;
const { createSearchIndex, openAiEmbedder } = await import(`${DIST}search/index.js`);
const DEPTH = 10;

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function listen(handler) {
  const server = createServer(handler);
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/v1`,
    close: () => new Promise((done) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => done());
    }),
  })));
}

const scenarios = {
  // a port that was just free: connection refused
  async refused() {
    const probe = await listen(() => {});
    await probe.close();
    return { url: probe.url, close: async () => {} };
  },
  failing: () => listen((request, response) => {
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"model crashed"}}');
  }),
  hung: () => listen((request) => request.resume()),
};

async function run(name, catalog, questions, windowMs) {
  const endpoint = await scenarios[name]();
  const requests = { count: 0 };
  const inner = openAiEmbedder({ url: endpoint.url, model: 'unavailable' });
  const embedder = { embed: (texts, signal) => (requests.count++, inner.embed(texts, signal)) };
  const index = createSearchIndex(catalog, { embedder });
  index.search('build the lexical index first'); // so warmUp() times the embeddings attempt alone
  let started = performance.now();
  await index.warmUp();
  const warmUpMs = performance.now() - started;
  let differ = 0;
  let asked = 0;
  const times = [];
  const until = performance.now() + windowMs;
  while (performance.now() < until) {
    for (const question of questions) {
      started = performance.now();
      const fused = await index.searchAsync(question.q, { maxResults: DEPTH });
      times.push(performance.now() - started);
      const lexical = index.search(question.q, { maxResults: DEPTH });
      asked++;
      if (fused.map((r) => r.id).join() !== lexical.map((r) => r.id).join()) differ++;
      if (performance.now() >= until) break;
    }
  }
  await endpoint.close();
  return { name, warmUpMs, asked, differ, requests: requests.count, p50: percentile(times, 0.5), max: Math.max(...times), over1s: times.filter((t) => t > 1000).length };
}

async function main() {
  const [set] = loadEvalSets(option('--catalog', 'github'));
  if (!set) throw new Error(`no evaluation set for catalog ${option('--catalog', 'github')}`);
  const { catalog } = await loadEvalCatalog(set);
  const questions = set.questions.filter((q) => q.half === 'tune');
  const windowMs = Number(option('--window', '40')) * 1000;
  const only = option('--only');
  console.log(`catalog ${set.catalog} (${catalog.size} functions), ${questions.length} tuning questions asked in a loop for ${windowMs / 1000} s after warmUp; Node ${process.version}`);
  console.log('endpoint  warmUp      queries  differ from lexical  requests  p50 ms   worst ms   queries > 1 s');
  for (const name of Object.keys(scenarios).filter((n) => !only || n === only)) {
    const r = await run(name, catalog, questions, windowMs);
    console.log(`${r.name.padEnd(10)}${`${(r.warmUpMs / 1000).toFixed(2)} s`.padEnd(12)}${String(r.asked).padEnd(9)}${String(r.differ).padEnd(21)}${String(r.requests).padEnd(10)}${r.p50.toFixed(3).padEnd(9)}${r.max.toFixed(0).padEnd(11)}${r.over1s}`);
  }
}

await main();
