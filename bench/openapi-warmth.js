#!/usr/bin/env node
// How much a sequential OpenAPI call costs once the server's call path is hot, and after it has been left
// alone: bench/run.js's method (upstream arrival gaps of 200 sequential calls in one execution, less a plain
// node:http client's), with servers warmed by `--warm` executions of 200 calls first (interleaved, so none
// idles), then rounds interleaved. Servers:
//   ours              kept busy: measured every round, nothing in between;
//   ours, cold        (--cold) warmed by one execution only, as bench/run.js warms (20 calls);
//   ours, idle        (--idle) left alone 10 s before each of its rounds while the others keep calling;
//                     with --busy-host, its host keeps making the same calls for another client meanwhile
//                     (another isolate), so only the measured client's isolate idles;
//   reference         (--reference) warmed and measured as ours.
// Run after `npx tsc -p .`:
//
//   node --no-node-snapshot bench/openapi-warmth.js [--warm 25] [--rounds 6] [--cold] [--idle [--busy-host]]
//     [--reference] [--build dir]

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeClient, session } from './serve-client.js';
import { root, startOurs, startReference, startShopUpstream } from './servers.js';
import { loadAverage, median, threadCpu, threadSplit } from './stats.js';
import { openapiCalls, plainCalls } from './workloads.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const flag = (name) => args.includes(`--${name}`);
const CALLS = 200;
const IDLE_MS = 10_000;
const ROUNDS = Number(option('rounds', '6'));
const WARM = Number(option('warm', '25'));
const build = path.resolve(option('build', root));

const upstream = await startShopUpstream();
const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-warmth-'));
const spec = upstream.writeSpec(dir);
const openapi = { name: 'shop', spec, baseUrl: upstream.origin };
const servers = [];
try {
  servers.push({ name: 'ours', server: await startOurs({ openapi, atpRoot: build }) });
  if (flag('cold')) servers.push({ name: 'ours, cold', cold: true, server: await startOurs({ openapi, atpRoot: build }) });
  if (flag('idle')) servers.push({ name: `ours, idle ${IDLE_MS / 1000} s before each round${flag('busy-host') ? ' (its host busy for another client)' : ''}`, idle: true, server: await startOurs({ openapi, atpRoot: build }) });
  if (flag('reference')) servers.push({ name: 'reference', server: await startReference({ openapi }) });
  for (const s of servers) Object.assign(s, { headers: await session(s.server.url), gaps: [], cpu: [] });
  console.log(`load average at start: ${loadAverage()}; warm-up: ${WARM} executions of ${CALLS} calls (cold: 1)`);
  for (let w = 0; w < WARM; w++) for (const s of servers) if (!s.cold || w === 0) await openapiCalls(s.server, s.headers, upstream, CALLS);
  const busy = servers.filter((s) => !s.idle);
  const plain = [];
  for (let round = 0; round < ROUNDS; round++) {
    plain.push(median(await plainCalls(upstream, CALLS)));
    const started = Date.now();
    for (const s of servers.map((_, i) => servers[(i + round) % servers.length])) {
      while (s.idle && Date.now() - started < IDLE_MS) {
        for (const other of busy) await openapiCalls(other.server, other.headers, upstream, CALLS);
        if (flag('busy-host')) await openapiCalls(s.server, (s.other ??= await session(s.server.url, { name: 'other' })), upstream, CALLS);
      }
      const before = threadCpu(s.server.pid);
      s.gaps.push(median(await openapiCalls(s.server, s.headers, upstream, CALLS)));
      const { main, others } = threadSplit(s.server.pid, before, threadCpu(s.server.pid));
      s.cpu.push((main + others) / CALLS);
    }
  }
  const base = median(plain);
  console.log(`plain client: median gap ${base.toFixed(3)} ms (rounds: ${plain.map((g) => g.toFixed(3)).join(' ')})`);
  for (const s of servers) {
    const gap = median(s.gaps);
    console.log(`${s.name}: gap ${gap.toFixed(3)} ms, added ${(gap - base).toFixed(3)} ms per call, process CPU ${median(s.cpu).toFixed(3)} ms per call (gaps by round: ${s.gaps.map((g) => g.toFixed(3)).join(' ')})`);
  }
  console.log(`load average at end: ${loadAverage()}`);
} finally {
  for (const s of servers) await s.server.stop();
  await upstream.close();
  closeClient();
  rmSync(dir, { recursive: true, force: true });
}
