#!/usr/bin/env node
// atp serve against the reference ATP server (npm @mondaydotcomorg/atp-server 0.19.17), same workload over
// HTTP on 127.0.0.1: trivial execute latency, executions/s with 16 in flight, a 20-step LLM pause/resume
// chain, and chain cost by length (linear for us; the reference replays from the top on every resume).
// Trivial latency is measured twice: back to back (each request sent when the last one answered, so the
// server never idles and its isolate builds compete with the requests for the 2 cores), and paced, one
// request every PACE_MS (the server idle in between, as with an agent that thinks between programs). A third
// paced series sends a new small program every time, as agents do, so nothing made from the last
// program's text (transpiled code, a compiled script) can be reused; executions/s is measured both ways too.
//
//   node --no-node-snapshot bench/serve-http.js [--quick] [--only ours|reference] [--github]
//
// --github: both servers also load GitHub's REST API (@octokit/openapi, 1,223 operations) as a group, so each
// figure includes what a big catalog costs every execution (the workloads themselves call only demo.add).
//
// The reference is installed into bench/.reference on first use (npm, once). Prints figures and ratios.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureReference } from './reference/install.mjs';
import { closeClient, postJson, startProcess } from './serve-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const GITHUB_SPEC = process.argv.includes('--github') ? createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json') : undefined;
const SIZES = quick
  ? { trivial: 100, paced: 60, warm: 30, throughput: 300, chainRuns: 3, lengths: [5, 10, 20] }
  : { trivial: 400, paced: 200, warm: 100, throughput: 1600, chainRuns: 7, lengths: [5, 10, 20, 40] };
const PACE_MS = 20;

const DEMO_MODULE = `export const add = {
  description: 'Add two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  handler: ({ a, b }) => ({ sum: a + b }),
};
`;


async function startOurs() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-'));
  writeFileSync(path.join(dir, 'demo.js'), DEMO_MODULE);
  writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({
    server: { port: 0 },
    auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' },
    logging: { level: 'info' },
    apis: [
      { name: 'demo', type: 'module', module: path.join(dir, 'demo.js') },
      // never called: the address only has to be valid
      ...(GITHUB_SPEC ? [{ name: 'github', type: 'openapi', spec: GITHUB_SPEC, baseUrl: 'http://127.0.0.1:9' }] : []),
    ],
  }));
  const server = await startProcess('atp serve', [path.join(root, 'bin/atp.js'), 'serve', '-c', path.join(dir, 'atp.yaml')], { ATP_CACHE_DIR: path.join(dir, 'cache') });
  return { ...server, stop: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

async function startReference() {
  ensureReference();
  return startProcess('reference', [path.join(root, 'bench/reference/server.mjs')], GITHUB_SPEC ? { ATP_BENCH_OPENAPI: GITHUB_SPEC } : {});
}

const post = postJson;

async function session(base) {
  const init = await post(`${base}/api/init`, { 'Content-Type': 'application/json' }, { clientInfo: { name: 'bench' }, services: { hasLLM: true } });
  return { 'Content-Type': 'application/json', 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
}

const execute = (base, headers, code, config = {}) => post(`${base}/api/execute`, headers, { code, config });

function expect(result, value) {
  if (result.status !== 'completed' || JSON.stringify(result.result) !== JSON.stringify(value)) {
    throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 300)}`);
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const median = (values) => percentile([...values].sort((a, b) => a - b), 50);

// Each workload runs in rounds that alternate between the servers, so a change in machine load during
// the run affects both alike.
const ROUNDS = 4;
const SETTLE_MS = 2_000;

async function trivialRound(base, headers, count, times) {
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    expect(await execute(base, headers, 'return 1 + 1'), 2);
    times.push(performance.now() - started);
  }
}

async function pacedRound(base, headers, count, times, code = () => 'return 1 + 1') {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    const started = performance.now();
    expect(await execute(base, headers, code()), 2);
    times.push(performance.now() - started);
  }
}

// An agent sends a new program every time: no server can reuse what it made of the last one (its transpiled
// code, a compiled script). Plain JavaScript: the reference rejects TypeScript syntax.
let programs = 0;
const newProgram = () => `// program ${++programs}
const answer = { value: 1 + 1 };
return answer.value;`;

async function throughput(base, headers, total, fresh = false, inFlight = 16) {
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      const code = fresh ? `// program ${++programs}\nreturn await api.demo.add({ a: 1, b: 2 })` : 'return await api.demo.add({ a: 1, b: 2 })';
      issued++;
      expect(await execute(base, headers, code), { sum: 3 });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return total / ((performance.now() - started) / 1000);
}

async function chain(base, headers, steps) {
  const code = `let s = ""; for (let i = 0; i < ${steps}; i++) s += await atp.llm.call({ prompt: "p" + i }); return s.length;`;
  const started = performance.now();
  let result = await execute(base, headers, code, { maxLLMCalls: 100, llmCalls: 100, clientServices: { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false } });
  let answered = 0;
  while (result.status === 'paused') {
    const answer = `r${answered++}`;
    result = await post(`${base}/api/resume/${result.executionId}`, headers, { result: answer });
  }
  const elapsed = performance.now() - started;
  let expected = 0;
  for (let i = 0; i < steps; i++) expected += `r${i}`.length;
  expect(result, expected);
  if (answered !== steps) throw new Error(`expected ${steps} pauses, saw ${answered}`);
  return elapsed;
}

async function measureAll(servers) {
  const state = new Map();
  for (const server of servers) {
    const headers = await session(server.url);
    const warm = [];
    await trivialRound(server.url, headers, SIZES.warm, warm);
    await chain(server.url, headers, 5);
    state.set(server, { headers, times: [], paced: [], fresh: [], rates: [], freshRates: [], chain20: [], byLength: Object.fromEntries(SIZES.lengths.map((n) => [n, []])) });
  }
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    for (const server of servers) {
      const s = state.get(server);
      await trivialRound(server.url, s.headers, Math.ceil(SIZES.trivial / ROUNDS), s.times);
      await pacedRound(server.url, s.headers, Math.ceil(SIZES.paced / ROUNDS), s.paced);
      await pacedRound(server.url, s.headers, Math.ceil(SIZES.paced / ROUNDS), s.fresh, newProgram);
      for (let i = 0; i < Math.ceil(SIZES.chainRuns / ROUNDS); i++) s.chain20.push(await chain(server.url, s.headers, 20));
      for (const length of SIZES.lengths) s.byLength[length].push(await chain(server.url, s.headers, length));
      s.rates.push(await throughput(server.url, s.headers, Math.ceil(SIZES.throughput / ROUNDS)));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      s.freshRates.push(await throughput(server.url, s.headers, Math.ceil(SIZES.throughput / ROUNDS), true));
      // a burst leaves work behind (isolate pools refilling, GC): let it settle before the next workload
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    }
  }
  const figures = {};
  for (const server of servers) {
    const s = state.get(server);
    const times = [...s.times].sort((a, b) => a - b);
    const paced = [...s.paced].sort((a, b) => a - b);
    const fresh = [...s.fresh].sort((a, b) => a - b);
    figures[server.name] = {
      trivial: { p50: percentile(times, 50), p90: percentile(times, 90) },
      paced: { p50: percentile(paced, 50), p90: percentile(paced, 90) },
      fresh: { p50: percentile(fresh, 50), p90: percentile(fresh, 90) },
      perSecond: median(s.rates),
      freshPerSecond: median(s.freshRates),
      chain20: median(s.chain20),
      byLength: Object.fromEntries(SIZES.lengths.map((n) => [n, median(s.byLength[n])])),
    };
  }
  return figures;
}

function report(figures) {
  const names = Object.keys(figures);
  const fmt = (value, digits = 1) => (value === undefined ? '-' : value.toFixed(digits));
  const rows = [
    ['trivial execute p50 (ms)', (f) => f.trivial.p50, 'lower'],
    ['trivial execute p90 (ms)', (f) => f.trivial.p90, 'lower'],
    [`trivial paced p50 (ms)`, (f) => f.paced.p50, 'lower'],
    [`trivial paced p90 (ms)`, (f) => f.paced.p90, 'lower'],
    ['new program each time, paced p50 (ms)', (f) => f.fresh.p50, 'lower'],
    ['new program each time, paced p90 (ms)', (f) => f.fresh.p90, 'lower'],
    ['executions/s, 16 in flight', (f) => f.perSecond, 'higher'],
    ['executions/s, 16 in flight, new programs', (f) => f.freshPerSecond, 'higher'],
    ['20-step LLM chain (ms)', (f) => f.chain20, 'lower'],
    ...SIZES.lengths.map((length) => [`chain ${length}: ms per round trip`, (f) => f.byLength[length] / length, 'lower']),
  ];
  const lines = [['workload', ...names, ...(names.length === 2 ? ['ours vs reference'] : [])]];
  for (const [label, pick, better] of rows) {
    const values = names.map((name) => pick(figures[name]));
    const line = [label, ...values.map((value) => fmt(value))];
    if (names.length === 2) {
      const [ours, reference] = values;
      line.push(`${fmt(better === 'lower' ? reference / ours : ours / reference)}x better`);
    }
    lines.push(line);
  }
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  for (const line of lines) console.log(line.map((cell, column) => cell.padEnd(widths[column])).join('  '));
  for (const name of names) {
    const lengths = SIZES.lengths;
    const first = figures[name].byLength[lengths[0]] / lengths[0];
    const last = figures[name].byLength[lengths.at(-1)] / lengths.at(-1);
    console.log(`${name}: cost per round trip at ${lengths.at(-1)} steps / at ${lengths[0]} steps = ${fmt(last / first, 2)} (1.0 = linear chain cost)`);
  }
}

const servers = [];
let figures;
try {
  for (const [name, start] of [['ours', startOurs], ['reference', startReference]]) {
    if (only && only !== name) continue;
    servers.push({ ...(await start()), name });
  }
  process.stderr.write(`measuring ${servers.map((server) => `${server.name} at ${server.url}`).join(' and ')} ...\n`);
  figures = await measureAll(servers);
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
closeClient();
console.log(`machine: ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}${GITHUB_SPEC ? '; both servers also load GitHub\'s 1,223 operations' : ''}`);
report(figures);
