#!/usr/bin/env node
// The side-by-side suite (`npm run bench`): `atp serve` in both isolation modes (execution.isolation: client and
// execution) against the reference ATP server (npm @mondaydotcomorg/atp-server, installed into bench/.reference
// on first use, outside our dependencies), same tools, same programs, over HTTP on 127.0.0.1. The figures of
// issue 21: trivial execution p50; executions/s with 16 in flight; executions/s from 16 clients each sending a
// new program every time; per-call cost of a sequential OpenAPI call to a local upstream; a chain of 20 LLM
// pause/resumes, and cost by chain length. Workloads run in rounds that alternate between the servers, so a
// change in the machine's load falls on all alike; each figure is the median over the rounds. Then the soak:
// 10,000 executions over 100 clients on a fresh server of each kind. Writes bench/RESULTS.md (the machine, the
// date, the load before and after, medians and ratios). Run after `npx tsc -p .`:
//
//   node --no-node-snapshot bench/run.js [--quick] [--out FILE] [--only client,execution,reference] [--no-soak]
//
// --quick: fewer samples and a smaller soak, printed only (unless --out is given). BENCH_PROF=<dir> writes a CPU
// profile of each of our servers there when it exits (bench/profile-summary.js reads them).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeClient, session } from './serve-client.js';
import { root, snapshotBuild, startOurs, startReference, startShopUpstream } from './servers.js';
import { loadAverage, machine, median, otherWork, percentile } from './stats.js';
import { chain, openapiCalls, plainCalls, soak, throughput, trivial } from './workloads.js';
import { REFERENCE_VERSION } from './reference/install.mjs';

const args = process.argv.slice(2);
const option = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const quick = args.includes('--quick');
const OUT = option('out') ?? (quick ? undefined : path.join(root, 'bench', 'RESULTS.md'));
const ONLY = option('only')?.split(',');
const SIZES = quick
  ? { rounds: 2, trivial: 60, paced: 30, throughput: 200, clients: 200, chain20: 2, lengths: [5, 10, 20], calls: 50, soak: { clients: 20, perClient: 50, firstSample: 100, capMs: 120_000 } }
  : { rounds: 4, trivial: 400, paced: 200, throughput: 1600, clients: 1600, chain20: 8, lengths: [5, 10, 20, 40], calls: 200, soak: { clients: 100, perClient: 100, firstSample: 1000, capMs: 600_000 } };
const PACE_MS = 20;
const SETTLE_MS = quick ? 500 : 2_000;
const IN_FLIGHT = 16;
const CLIENTS = 16;
const WARM_BURST = quick ? 2 : 5;

// our servers run from a copy of the build made at the start (see snapshotBuild)
let build;
const KINDS = [
  { key: 'client', label: 'ours, isolation client', start: (options) => startOurs({ name: 'ours (client)', execution: { isolation: 'client' }, atpRoot: build, ...options }) },
  { key: 'execution', label: 'ours, isolation execution', start: (options) => startOurs({ name: 'ours (execution)', execution: { isolation: 'execution' }, atpRoot: build, ...options }) },
  { key: 'reference', label: `reference ${REFERENCE_VERSION}`, start: ({ openapi } = {}) => startReference({ openapi }) },
].filter((kind) => !ONLY || ONLY.includes(kind.key));

const log = (line) => process.stderr.write(`${line}\n`);
const per = (rounds, size) => Math.max(1, Math.ceil(size / rounds));

// The load average over the run: sampled every 5 s, its 1-minute figure.
const loadSamples = [];
const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]), 5_000);

async function sideBySide(upstream, spec) {
  const servers = [];
  try {
    for (const kind of KINDS) servers.push({ kind, ...(await kind.start({ openapi: { name: 'shop', spec, baseUrl: upstream.origin } })) });
    log(`measuring ${servers.map((s) => `${s.name} at ${s.url}`).join(', ')}; upstream ${upstream.origin}`);
    const state = new Map();
    for (const server of servers) {
      const headers = await session(server.url);
      const clients = [];
      for (let i = 0; i < CLIENTS; i++) clients.push(await session(server.url, { name: `bench-${i}` }));
      // warm-up: JIT, sockets, pools, caches
      await trivial(server, headers, 30);
      await chain(server, headers, 5);
      await throughput(server, [headers], 100, { perSession: IN_FLIGHT });
      await throughput(server, clients, 100, { fresh: true });
      await openapiCalls(server, headers, upstream, 20);
      state.set(server, { headers, clients, trivial: [], paced: [], rates: [], cpu: [], clientRates: [], clientCpu: [], chain20: [], gaps: [], warmGaps: [], byLength: Object.fromEntries(SIZES.lengths.map((n) => [n, []])) });
    }
    const plain = [];
    const { rounds } = SIZES;
    for (let round = 0; round < rounds; round++) {
      log(`round ${round + 1}/${rounds}, load average ${loadAverage()}`);
      plain.push(...(await plainCalls(upstream, SIZES.calls)));
      // a different server goes first each round
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const server of order) {
        const s = state.get(server);
        s.trivial.push(...(await trivial(server, s.headers, per(rounds, SIZES.trivial))));
        s.paced.push(...(await trivial(server, s.headers, per(rounds, SIZES.paced), { paceMs: PACE_MS })));
        s.gaps.push(...(await openapiCalls(server, s.headers, upstream, SIZES.calls)));
        // the same right after a burst of it: a server that made calls moments ago runs them faster than one that
        // sat idle for the seconds the other servers took (see bench/openapi-warmth.js); every server alike
        for (let i = 0; i < WARM_BURST; i++) await openapiCalls(server, s.headers, upstream, SIZES.calls);
        s.warmGaps.push(...(await openapiCalls(server, s.headers, upstream, SIZES.calls)));
        for (let i = 0; i < per(rounds, SIZES.chain20); i++) s.chain20.push(await chain(server, s.headers, 20));
        for (const length of SIZES.lengths) s.byLength[length].push(await chain(server, s.headers, length));
        const one = await throughput(server, [s.headers], per(rounds, SIZES.throughput), { perSession: IN_FLIGHT });
        s.rates.push(one.perSecond);
        s.cpu.push(one.cpuPerExecution);
        // a burst leaves work behind (pools refilling, isolates torn down, GC): let it settle before the next
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const many = await throughput(server, s.clients, per(rounds, SIZES.clients), { fresh: true });
        s.clientRates.push(many.perSecond);
        s.clientCpu.push(many.cpuPerExecution);
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      }
    }
    const plainP50 = median(plain);
    const figures = {};
    for (const server of servers) {
      const s = state.get(server);
      const times = [...s.trivial].sort((a, b) => a - b);
      const gapP50 = median(s.gaps);
      figures[server.kind.key] = {
        trivialP50: percentile(times, 50),
        trivialP90: percentile(times, 90),
        pacedP50: median(s.paced),
        perSecond: median(s.rates),
        cpuPerExecution: median(s.cpu),
        clientsPerSecond: median(s.clientRates),
        clientsCpuPerExecution: median(s.clientCpu),
        callP50: gapP50,
        callOverhead: gapP50 - plainP50,
        warmCallP50: median(s.warmGaps),
        chain20: median(s.chain20),
        byLength: Object.fromEntries(SIZES.lengths.map((n) => [n, median(s.byLength[n]) / n])),
        chainTotals: Object.fromEntries(SIZES.lengths.map((n) => [n, median(s.byLength[n])])),
      };
    }
    return { figures, plainP50 };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** A fresh server of each kind, one after another, through the soak; ours with the probe that counts contexts. */
async function soaks(upstream, spec) {
  const results = {};
  for (const kind of KINDS) {
    const ours = kind.key !== 'reference';
    let server;
    try {
      server = await kind.start({ openapi: { name: 'shop', spec, baseUrl: upstream.origin }, ...(ours && { nodeArgs: ['--import', path.join(build, 'bench', 'soak-probe.js')] }) });
    } catch (error) {
      results[kind.key] = { failedToStart: String(error.message).slice(0, 300) };
      log(`soak: ${kind.label} did not start: ${error.message}`);
      continue;
    }
    log(`soak: ${server.name}, ${SIZES.soak.clients * SIZES.soak.perClient} executions over ${SIZES.soak.clients} clients, load average ${loadAverage()}`);
    const probe = ours
      ? async () => {
        const line = server.waitFor(/^atp-bench-probe (\{.*\})$/, 10_000);
        process.kill(server.pid, 'SIGUSR2');
        return JSON.parse((await line)[1]);
      }
      : undefined;
    try {
      results[kind.key] = await soak(server, { ...SIZES.soak, probe });
    } catch (error) {
      results[kind.key] = { failedToStart: `the soak failed: ${String(error.message).slice(0, 300)}` };
      continue;
    } finally {
      await server.stop();
    }
    log(`soak: ${server.name}: ${results[kind.key].done} done, ${results[kind.key].errors} errors in ${results[kind.key].seconds.toFixed(1)} s`);
  }
  return results;
}

const fmt = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const mb = (bytes) => (bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

function report({ figures, plainP50 }, soakResults, context) {
  const keys = KINDS.map((kind) => kind.key);
  const ours = keys.filter((key) => key !== 'reference');
  const hasReference = keys.includes('reference');
  const lines = [];
  const push = (line = '') => lines.push(line);
  push('# Benchmark results: ours vs the reference');
  push();
  push(`Measured ${context.date} by \`npm run bench\`${quick ? ' --quick' : ''} (bench/run.js). Each figure is the median over ${SIZES.rounds} rounds that alternate between the servers (a different one first each round); ratios are from this one run.`);
  push();
  push(`- Machine: ${context.machine.cpu}, ${context.machine.cores} cores, ${context.machine.memory}, ${context.machine.platform}; Node ${context.machine.node}.`);
  push(`- Load average (1, 5, 15 min): ${context.loadBefore} before, ${context.loadAfter} after; the 1-minute figure ranged ${fmt(Math.min(...loadSamples), 2)}-${fmt(Math.max(...loadSamples), 2)} during the run (median ${fmt(median(loadSamples), 2)}).`);
  push(`- The machine was shared: other engineers' builds and tests ran meanwhile. Busiest other processes at the start: ${context.othersBefore.length ? context.othersBefore.join('; ') : 'none above 5% of a core'}. At the end: ${context.othersAfter.length ? context.othersAfter.join('; ') : 'none above 5% of a core'}.`);
  push(`- Code: commit ${context.commit}, with dist/ as built in the working tree when the run began (copied aside for the run; the tree may hold others' uncommitted work).`);
  push(`- Servers: ${KINDS.map((kind) => kind.label).join('; ')}. Ours with its defaults (execution.concurrency 16, pool 4) except the isolation mode; each server has the module/custom tool \`demo.add\` and the OpenAPI group \`shop\` (one GET operation, upstream on 127.0.0.1). The reference runs in its own process from bench/reference/server.mjs.`);
  push();
  push('## The five figures');
  push();
  const names = { client: 'ours, isolation client', execution: 'ours, isolation execution', reference: 'reference' };
  const header = ['figure', ...keys.map((key) => names[key]), ...(hasReference ? ours.map((key) => `${key} vs reference`) : [])];
  const rows = [
    ['trivial execution p50, back to back (ms)', (f) => f.trivialP50, 'lower', true],
    [`executions/s, ${IN_FLIGHT} in flight (one client, same program)`, (f) => f.perSecond, 'higher', true],
    [`executions/s, ${CLIENTS} clients, a new program every time`, (f) => f.clientsPerSecond, 'higher', true],
    ['sequential OpenAPI call: cost over a plain HTTP client (ms per call)', (f) => f.callOverhead, 'lower', true],
    ['20 LLM pause/resumes, whole chain (ms)', (f) => f.chain20, 'lower', true],
  ];
  const detail = [
    ['trivial execution p90, back to back (ms)', (f) => f.trivialP90, 'lower'],
    [`trivial execution p50, one every ${PACE_MS} ms (ms)`, (f) => f.pacedP50, 'lower'],
    [`server CPU per execution, ${IN_FLIGHT} in flight (ms)`, (f) => f.cpuPerExecution, 'lower'],
    [`server CPU per execution, ${CLIENTS} clients (ms)`, (f) => f.clientsCpuPerExecution, 'lower'],
    [`sequential OpenAPI call, whole cycle at the upstream, p50 (ms; plain client ${fmt(plainP50, 3)})`, (f) => f.callP50, 'lower'],
    [`the same, warm: right after ${WARM_BURST} executions of it (ms; plain client ${fmt(plainP50, 3)})`, (f) => f.warmCallP50, 'lower'],
    ...SIZES.lengths.map((n) => [`chain of ${n}: ms per pause/resume`, (f) => f.byLength[n], 'lower']),
  ];
  const ratio = (better, ourValue, referenceValue) => (better === 'lower' ? referenceValue / ourValue : ourValue / referenceValue);
  const table = (list, goal) => {
    push(`| ${header.join(' | ')} |`);
    push(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const [label, pick, better] of list) {
      const values = keys.map((key) => pick(figures[key]));
      const cells = [label, ...values.map((value) => fmt(value, value < 10 ? 3 : 1))];
      if (hasReference) {
        for (const key of ours) {
          const r = ratio(better, pick(figures[key]), pick(figures.reference));
          cells.push(`${fmt(r, 1)}x${goal ? (r >= 5 ? '' : ' (below 5x)') : ''}`);
        }
      }
      push(`| ${cells.join(' | ')} |`);
    }
  };
  table(rows, true);
  push();
  push('Ratios are "times better than the reference" (reference / ours for times, ours / reference for rates); the goal of issue 21 is 5x on each of the five.');
  push();
  push('## Details');
  push();
  table(detail, false);
  push();
  const lengths = SIZES.lengths;
  push(`Cost by chain length: what each added pause/resume costs between consecutive lengths (ms, from the median whole-chain times). Linear cost means the same figure at every length; a server that replays the program from the top on each resume pays more the longer the chain.`);
  push();
  const steps = lengths.slice(1).map((n, i) => [lengths[i], n]);
  push(`| server | ${steps.map(([a, b]) => `${a} to ${b}`).join(' | ')} | per resume at ${lengths.at(-1)} / at ${lengths[0]} |`);
  push(`| --- |${steps.map(() => ' ---: ').join('|')}| ---: |`);
  for (const key of keys) {
    const totals = figures[key].chainTotals;
    const f = figures[key].byLength;
    push(`| ${names[key]} | ${steps.map(([a, b]) => fmt((totals[b] - totals[a]) / (b - a), 2)).join(' | ')} | ${fmt(f[lengths.at(-1)] / f[lengths[0]], 2)} |`);
  }
  push();
  push(`Workloads: "back to back" sends each request when the last answered (${SIZES.trivial} in all); "${IN_FLIGHT} in flight" is one session with ${IN_FLIGHT} requests outstanding, each a program calling demo.add (${SIZES.throughput} per server); "${CLIENTS} clients" is ${CLIENTS} sessions with one request each outstanding, every program text new (${SIZES.clients}); the OpenAPI figure is the gap between consecutive arrivals at the upstream of ${SIZES.calls} sequential calls in one execution, less the same gap for a plain node:http keep-alive client in a process of its own (${SIZES.rounds * SIZES.calls} calls per server), each server having sat idle while the others ran; the warm figure is measured right after ${WARM_BURST} more such executions; chains answer each atp.llm.call pause with /api/resume. Server CPU is the whole process (all threads) from /proc.`);
  if (soakResults) {
    const soakKeys = Object.keys(soakResults).filter((key) => !soakResults[key].failedToStart);
    const { clients, perClient, firstSample } = SIZES.soak;
    push();
    push(`## Soak: ${clients * perClient} executions over ${clients} clients`);
    push();
    push(`Each server fresh; ${clients} sessions at once, each sending ${perClient} executions one after another, every program text new: a demo.add call and a log line, and every tenth an LLM pause answered by /api/resume. RSS of the server process from /proc. Live isolates and contexts of ours are counted inside the server by bench/soak-probe.js (from src/sandbox's Sandbox.create and Sandbox.inIsolate: a context is live until disposed or its isolate is).`);
    push();
    push(`| | ${soakKeys.map((key) => names[key]).join(' | ')} |`);
    push(`| --- |${soakKeys.map(() => ' ---: ').join('|')}|`);
    const soakRow = (label, pick) => push(`| ${label} | ${soakKeys.map((key) => pick(soakResults[key])).join(' | ')} |`);
    soakRow('executions done', (r) => String(r.done));
    soakRow('errors', (r) => String(r.errors));
    soakRow('wall time (s), executions/s', (r) => `${fmt(r.seconds)}, ${fmt(r.done / r.seconds, 0)}`);
    soakRow(`RSS after the first ${firstSample}`, (r) => mb(r.samples.first?.rss));
    soakRow('RSS after the last', (r) => mb(r.samples.last?.rss));
    soakRow('growth, first to last', (r) => (r.samples.first?.rss && r.samples.last?.rss ? `${fmt(((r.samples.last.rss - r.samples.first.rss) / r.samples.first.rss) * 100)}%` : '-'));
    soakRow('RSS 3 s after the last', (r) => mb(r.samples.settled?.rss));
    const counts = (sample) => (sample?.probe ? `${sample.probe.isolates} isolates (${sample.probe.freeing} being freed), ${sample.probe.contexts} contexts` : '-');
    soakRow(`held after the first ${firstSample}`, (r) => counts(r.samples.first));
    soakRow('held after the last', (r) => counts(r.samples.last));
    soakRow('held 3 s after the last', (r) => counts(r.samples.settled));
    const heaps = (sample) => (sample?.probe ? `${mb(sample.probe.heapUsed)} used of ${mb(sample.probe.heapTotal)}` : '-');
    soakRow(`isolates' V8 heaps after the first ${firstSample}`, (r) => heaps(r.samples.first));
    soakRow("isolates' V8 heaps after the last", (r) => heaps(r.samples.last));
    soakRow('made in all', (r) => (r.samples.settled?.probe ? `${r.samples.settled.probe.made.isolates} isolates, ${r.samples.settled.probe.made.contexts} contexts` : '-'));
    for (const [key, r] of Object.entries(soakResults)) if (r.failedToStart) push(`- ${names[key]}: ${r.failedToStart}`);
    for (const key of soakKeys) {
      const r = soakResults[key];
      if (r.stopped) push(`- ${names[key]}: ${r.stopped}.`);
      if (!r.errors) continue;
      push(`- ${names[key]}: errors by kind: ${Object.entries(r.kinds).map(([kind, n]) => `${n} ${kind}`).join('; ')}. First: ${r.messages.map((m) => `\`${m.replace(/`/g, "'").slice(0, 200)}\``).join('; ')}`);
      if (key === 'reference') push('  (The reference keeps client sessions and paused executions\' state in one in-memory cache, by default a MemoryCache of 1,000 keys shared by both.)');
    }
  }
  push();
  return lines.join('\n');
}

const commit = (() => {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const context = { date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), commit, machine: machine(), loadBefore: loadAverage(), othersBefore: await otherWork() };
loadSamples.push(os.loadavg()[0]);
log(`${context.machine.cpu}, ${context.machine.cores} cores, Node ${context.machine.node}; load average ${context.loadBefore}`);
build = await snapshotBuild({ files: ['bench/soak-probe.js'] });
const upstream = await startShopUpstream();
const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-run-'));
let text;
try {
  const spec = upstream.writeSpec(dir);
  const figures = await sideBySide(upstream, spec);
  const soakResults = args.includes('--no-soak') ? undefined : await soaks(upstream, spec);
  context.loadAfter = loadAverage();
  context.othersAfter = await otherWork();
  text = report(figures, soakResults, context);
} finally {
  clearInterval(loadTimer);
  closeClient();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}
console.log(text);
if (OUT) {
  writeFileSync(OUT, text);
  log(`written to ${path.relative(process.cwd(), OUT) || OUT}`);
}
