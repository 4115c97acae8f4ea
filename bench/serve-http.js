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
// bench/run.js runs the figures of issue 21 (both isolation modes, 16 clients, the soak) and writes RESULTS.md.

import { createRequire } from 'node:module';
import os from 'node:os';
import { closeClient, session } from './serve-client.js';
import { startOurs, startReference } from './servers.js';
import { median, percentile } from './stats.js';
import { chain, throughput, trivial } from './workloads.js';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const GITHUB_SPEC = process.argv.includes('--github') ? createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json') : undefined;
const SIZES = quick
  ? { trivial: 100, paced: 60, warm: 30, throughput: 300, chainRuns: 3, lengths: [5, 10, 20] }
  : { trivial: 400, paced: 200, warm: 100, throughput: 1600, chainRuns: 7, lengths: [5, 10, 20, 40] };
const PACE_MS = 20;

// GitHub's operations are never called: the address only has to be valid
const startOursServer = () => startOurs({ name: 'ours', apis: GITHUB_SPEC ? [{ name: 'github', type: 'openapi', spec: GITHUB_SPEC, baseUrl: 'http://127.0.0.1:9' }] : [] });
const startReferenceServer = () => startReference({ openapi: GITHUB_SPEC && { name: 'github', spec: GITHUB_SPEC } });

// Each workload runs in rounds that alternate between the servers, so a change in machine load during
// the run affects both alike.
const ROUNDS = 4;
const SETTLE_MS = 2_000;

async function measureAll(servers) {
  const state = new Map();
  for (const server of servers) {
    const headers = await session(server.url);
    await trivial(server, headers, SIZES.warm);
    await chain(server, headers, 5);
    state.set(server, { headers, times: [], paced: [], fresh: [], rates: [], freshRates: [], chain20: [], byLength: Object.fromEntries(SIZES.lengths.map((n) => [n, []])) });
  }
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    for (const server of servers) {
      const s = state.get(server);
      s.times.push(...(await trivial(server, s.headers, Math.ceil(SIZES.trivial / ROUNDS))));
      s.paced.push(...(await trivial(server, s.headers, Math.ceil(SIZES.paced / ROUNDS), { paceMs: PACE_MS })));
      s.fresh.push(...(await trivial(server, s.headers, Math.ceil(SIZES.paced / ROUNDS), { paceMs: PACE_MS, fresh: true })));
      for (let i = 0; i < Math.ceil(SIZES.chainRuns / ROUNDS); i++) s.chain20.push(await chain(server, s.headers, 20));
      for (const length of SIZES.lengths) s.byLength[length].push(await chain(server, s.headers, length));
      s.rates.push((await throughput(server, [s.headers], Math.ceil(SIZES.throughput / ROUNDS), { perSession: 16 })).perSecond);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      s.freshRates.push((await throughput(server, [s.headers], Math.ceil(SIZES.throughput / ROUNDS), { perSession: 16, fresh: true })).perSecond);
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
  for (const [name, start] of [['ours', startOursServer], ['reference', startReferenceServer]]) {
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
