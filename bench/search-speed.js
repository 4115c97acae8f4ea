// Search speed: time to index, and per-query latency of our ranking beside the reference's scoring, on
// GitHub's API (1,223 functions) and, with --scale, on three GitHub specs as three groups (~3,200).
// Usage: node bench/search-speed.js [rounds] [--scale]
//
// --first-run [--catalog github]: each tune question of bench/search-eval once on a fresh index (the first
// sight of its words), then once warm, each run inside its own vm.Script call so that callgrind can count
// instructions per question, which a shared, loaded machine does not disturb:
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/cg '--dump-before=*ContextifyScript*EvalMachine*' \
//     node --single-threaded bench/search-speed.js --first-run
//   node bench/search-speed.js --instructions /tmp/cg      (p50 instructions, first runs and warm runs)

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { Catalog, loadGroup } from '../dist/catalog/index.js';
import { createLogger } from '../dist/logging/index.js';
import { createSearchIndex } from '../dist/search/index.js';
import { loadGithubCatalog, operationsOf } from './search-github-catalog.js';
import { createReferenceIndex } from './search-reference.js';
import { loadQueries } from './search-quality.js';
import { HELDOUT_QUERIES } from './search-heldout-queries.js';

const rounds = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 50);
const queries = [...loadQueries(), ...HELDOUT_QUERIES].map((q) => q.query);

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

async function report(label, catalog, referenceItems) {
  let started = performance.now();
  const ours = createSearchIndex(catalog);
  await ours.warmUp(); // the index is built lazily; this builds it now
  const indexMs = performance.now() - started;
  started = performance.now();
  const reference = createReferenceIndex(referenceItems);
  const referenceIndexMs = performance.now() - started;
  const oursTimes = measure((q) => ours.search(q, { maxResults: 10 }));
  const referenceTimes = measure((q) => reference.search(q, 10));
  console.log(`\n${label}: ${catalog.size} functions; ${queries.length} queries x ${rounds} rounds; Node ${process.version}`);
  console.log(`index build: ours ${indexMs.toFixed(1)} ms, reference ${referenceIndexMs.toFixed(1)} ms`);
  console.log('per query (ms)      mean    p50     p99');
  for (const [name, t] of [['ours', oursTimes], ['reference', referenceTimes]]) {
    console.log(`  ${name.padEnd(16)}${[t.mean, t.p50, t.p99].map((v) => v.toFixed(3).padEnd(6)).join('  ')}`);
  }
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

if (process.argv.includes('--instructions')) {
  // callgrind's dumps: cg.1 holds the start-up, cg.2.. one question each (first runs, then warm runs), the last the exit
  const dir = process.argv[process.argv.indexOf('--instructions') + 1];
  const files = readdirSync(dir).filter((f) => /\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  const counts = files.slice(1).map((f) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(`${dir}/${f}`, 'utf8'))?.[1] ?? 0));
  const half = counts.length / 2;
  console.log(`${half} questions; instructions p50: first run ${(median(counts.slice(0, half)) / 1e6).toFixed(2)} M, warm ${(median(counts.slice(half)) / 1e6).toFixed(2)} M`);
  process.exit(0);
}

if (process.argv.includes('--first-run')) {
  const { loadEvalCatalog, loadEvalSets } = await import('./search-eval.js');
  const name = process.argv.includes('--catalog') ? process.argv[process.argv.indexOf('--catalog') + 1] : 'github';
  const set = loadEvalSets(name).find((s) => s.questions.some((q) => q.half === 'tune'));
  const { catalog } = await loadEvalCatalog(set);
  const questions = set.questions.filter((q) => q.half === 'tune').map((q) => q.q);
  const index = createSearchIndex(catalog);
  await index.warmUp();
  let next = 0;
  globalThis.searchNext = () => index.search(questions[next++ % questions.length], { maxResults: 10 });
  const script = new vm.Script('searchNext()');
  const times = { first: [], warm: [] };
  for (const round of ['first', 'warm']) {
    for (let i = 0; i < questions.length; i++) {
      const cpu = process.cpuUsage();
      script.runInThisContext();
      const used = process.cpuUsage(cpu);
      times[round].push((used.user + used.system) / 1000);
    }
  }
  globalThis.searchNext = () => undefined;
  script.runInThisContext(); // ends the last question's callgrind dump
  console.log(`${name}: ${questions.length} tune questions; CPU ms p50 (process, all threads): first run ${median(times.first).toFixed(3)}, warm ${median(times.warm).toFixed(3)}; Node ${process.version}`);
  process.exit(0);
}

const { catalog, via, spec } = await loadGithubCatalog();
const operations = operationsOf(spec);
await report(`GitHub (via ${via})`, catalog, [...catalog.entries()].map(({ tool }) => ({
  apiGroup: 'github', functionName: tool.sourceName, description: operations.get(tool.sourceName)?.summary ?? tool.description,
})));

if (process.argv.includes('--scale')) {
  const require = createRequire(import.meta.url);
  const logger = createLogger({ level: 'silent', format: 'text' });
  const specs = { github: 'api.github.com.json', ghes319: 'ghes-3.19.json', ghes318: 'ghes-3.18.json' };
  const groups = await Promise.all(Object.entries(specs).map(([name, file]) => loadGroup(
    { type: 'openapi', name, spec: require.resolve(`@octokit/openapi/generated/${file}`), timeout: 30000, concurrency: 8, retries: 0 },
    { logger, configDir: process.cwd() },
  )));
  const big = new Catalog(groups);
  await report('three GitHub specs as three groups', big, [...big.entries()].map((e) => ({ apiGroup: e.group.name, functionName: e.tool.sourceName, description: e.tool.description })));
}
