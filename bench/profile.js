#!/usr/bin/env node
// One workload of bench/run.js against our server alone, under node --cpu-prof: the CPU per execution of the
// server's main thread and of its other threads (isolated-vm's, V8's), then where the main thread's time goes
// (bench/profile-summary.js). Run after `npx tsc -p .`:
//
//   node --no-node-snapshot bench/profile.js <trivial|inflight|clients|openapi|chain> [--isolation client|execution]
//     [--client-isolates n] [--count n]

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeClient, session } from './serve-client.js';
import { snapshotBuild, startOurs, startShopUpstream } from './servers.js';
import { loadAverage, threadCpu, threadSplit } from './stats.js';
import { chain, openapiCalls, throughput, trivial } from './workloads.js';
import { summarize } from './profile-summary.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const workload = args[0];
const isolation = option('isolation', 'client');
const clientIsolates = option('client-isolates', undefined);
const WORKLOADS = {
  trivial: { count: 2000, run: (server, s) => trivial(server, s.headers, s.count) },
  inflight: { count: 3000, run: (server, s) => throughput(server, [s.headers], s.count, { perSession: 16 }) },
  clients: { count: 3000, run: (server, s) => throughput(server, s.clients, s.count, { fresh: true }) },
  openapi: { count: 5000, run: (server, s) => openapiCalls(server, s.headers, s.upstream, s.count) },
  chain: { count: 100, run: async (server, s) => { for (let i = 0; i < s.count; i++) await chain(server, s.headers, 20); } },
};
if (!WORKLOADS[workload]) {
  console.error(`usage: bench/profile.js <${Object.keys(WORKLOADS).join('|')}> [--isolation client|execution] [--count n]`);
  process.exit(2);
}
const count = Number(option('count', WORKLOADS[workload].count));
const profiles = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-prof-'));
process.env.BENCH_PROF = profiles;
const build = await snapshotBuild(); // a rebuild of dist/ meanwhile changes nothing measured
const upstream = await startShopUpstream();
const specDir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-prof-spec-'));
const server = await startOurs({ execution: { isolation, ...(clientIsolates && { clientIsolates: Number(clientIsolates) }) }, openapi: { name: 'shop', spec: upstream.writeSpec(specDir), baseUrl: upstream.origin }, atpRoot: build });
try {
  const headers = await session(server.url);
  const clients = [];
  for (let i = 0; i < 16; i++) clients.push(await session(server.url, { name: `bench-${i}` }));
  const state = { headers, clients, upstream };
  await WORKLOADS[workload].run(server, { ...state, count: Math.ceil(count / 10) }); // warm-up
  const before = threadCpu(server.pid);
  const started = performance.now();
  await WORKLOADS[workload].run(server, { ...state, count });
  const seconds = (performance.now() - started) / 1000;
  const { main, others } = threadSplit(server.pid, before, threadCpu(server.pid));
  console.log(`${workload}, isolation ${isolation}${clientIsolates ? `, clientIsolates ${clientIsolates}` : ''}: ${count} in ${seconds.toFixed(1)} s; server CPU per unit: main thread ${(main / count).toFixed(3)} ms, other threads ${(others / count).toFixed(3)} ms (load average ${loadAverage()})`);
} finally {
  await server.stop();
  await upstream.close();
  closeClient();
  rmSync(specDir, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}
// CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main one (others: the module hooks' worker)
const file = readdirSync(profiles).find((name) => /\.0\.\d+\.cpuprofile$/.test(name));
if (!file) throw new Error('no profile written');
const { totalMs, functions, files } = summarize(JSON.parse((await import('node:fs')).readFileSync(path.join(profiles, file), 'utf8')));
const line = ({ name, ms, share }) => `${(share * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}`;
console.log(`main thread, ${totalMs.toFixed(0)} ms sampled (start-up and warm-up included); by function (self):`);
for (const entry of functions.slice(0, 25)) console.log(line(entry));
console.log('by file:');
for (const entry of files.slice(0, 15)) console.log(line(entry));
console.log(`profile: ${path.join(profiles, file)}`);
