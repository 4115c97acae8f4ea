#!/usr/bin/env node
// A/B of the sequential OpenAPI call between builds of ours: the same method as bench/run.js's OpenAPI figure
// (the gap between consecutive arrivals at a loopback upstream of `--calls` sequential calls in one execution,
// less the same gap for a plain node:http keep-alive client in a process of its own), with every build's
// server running at once and the rounds interleaved (a different build first each round), so that the
// machine's load falls on all of them alike. Also the server's CPU per call, main thread and others (/proc).
//
//   node --no-node-snapshot bench/openapi-ab.js <build dir> [<build dir>...] [--calls 200] [--rounds 8]
//
// A build dir holds bin/, dist/, schemas/, package.json and node_modules (see servers.js snapshotBuild); `.`
// is this tree.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeClient, session } from './serve-client.js';
import { root, startOurs, startShopUpstream } from './servers.js';
import { loadAverage, median, threadCpu, threadSplit } from './stats.js';
import { openapiCalls, plainCalls } from './workloads.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const CALLS = Number(option('calls', '200'));
const ROUNDS = Number(option('rounds', '8'));
const builds = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--')).map((dir) => (dir === '.' ? root : path.resolve(dir)));
if (builds.length === 0) {
  console.error('usage: bench/openapi-ab.js <build dir> [<build dir>...] [--calls n] [--rounds n]');
  process.exit(2);
}

const upstream = await startShopUpstream();
const specDir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-ab-'));
const spec = upstream.writeSpec(specDir);
const servers = [];
try {
  for (const [i, build] of builds.entries()) {
    const server = await startOurs({ name: `build ${i}`, openapi: { name: 'shop', spec, baseUrl: upstream.origin }, atpRoot: build });
    servers.push({ build, server, headers: await session(server.url), gaps: [], cpu: [] });
  }
  console.log(`load average at start: ${loadAverage()}`);
  for (const s of servers) await openapiCalls(s.server, s.headers, upstream, CALLS); // warm-up
  const plain = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(median(await plainCalls(upstream, CALLS)));
    const order = servers.map((_, i) => servers[(i + round) % servers.length]);
    for (const s of order) {
      const before = threadCpu(s.server.pid);
      const gaps = await openapiCalls(s.server, s.headers, upstream, CALLS);
      const { main, others } = threadSplit(s.server.pid, before, threadCpu(s.server.pid));
      s.gaps.push(median(gaps));
      s.cpu.push({ main: main / CALLS, others: others / CALLS });
    }
  }
  const base = median(plain);
  console.log(`plain client: median gap ${base.toFixed(3)} ms (rounds: ${plain.map((g) => g.toFixed(3)).join(' ')})`);
  for (const s of servers) {
    const gap = median(s.gaps);
    const main = s.cpu.reduce((a, c) => a + c.main, 0) / s.cpu.length;
    const others = s.cpu.reduce((a, c) => a + c.others, 0) / s.cpu.length;
    console.log(`${s.build}: gap ${gap.toFixed(3)} ms, added ${(gap - base).toFixed(3)} ms per call; CPU per call main ${main.toFixed(3)} ms, others ${others.toFixed(3)} ms (gaps by round: ${s.gaps.map((g) => g.toFixed(3)).join(' ')}; main-thread CPU by round: ${s.cpu.map((c) => c.main.toFixed(2)).join(' ')})`);
  }
  console.log(`load average at end: ${loadAverage()}`);
} finally {
  for (const s of servers) await s.server.stop();
  await upstream.close();
  closeClient();
  rmSync(specDir, { recursive: true, force: true });
}
