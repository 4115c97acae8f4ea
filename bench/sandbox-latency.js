// Executor latency: a trivial `return 1+1`, and the round trip of a host call to an in-process function.
// Run: npx tsc -p . && node --no-node-snapshot bench/sandbox-latency.js
// Prints figures only; the machine's load average is printed too, since 2 shared cores make them noisy.

import os from 'node:os';
import Keyv from 'keyv';
import { configFromText } from '../dist/config/index.js';
import { Catalog } from '../dist/catalog/index.js';
import { createExecutor } from '../dist/execution/index.js';
import { createLogger } from '../dist/logging/index.js';

const hostCallTimes = [];
const catalog = new Catalog([{
  name: 'bench',
  kind: 'module',
  tools: [{
    path: ['noop'], sourceName: 'noop', description: 'returns its input', inputSchema: {}, annotations: {},
    invoke: async (input) => {
      hostCallTimes.push(performance.now());
      return input;
    },
  }],
  close: async () => {},
}]);
const config = configFromText('apis: []\nexecution:\n  pool: 8\n', { filepath: '/tmp/atp-bench.yaml' });
const executor = createExecutor({ config, catalog, stateStore: new Keyv(), cacheStore: new Keyv(), logger: createLogger({ level: 'warn', format: 'text' }) });
const request = (code) => ({
  code, clientId: 'bench', limits: { timeout: 30_000, memory: config.execution.memory, llmCalls: 10 },
  services: { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false }, clientTools: [],
});

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

async function timed(code) {
  const started = performance.now();
  const result = await executor.execute(request(code));
  if (result.status !== 'completed') throw new Error(`${result.status}: ${result.error?.message}`);
  return performance.now() - started;
}

console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await executor.warm();
for (let i = 0; i < 20; i++) await timed('return 1 + 1'); // esbuild service, JIT

// host call round trip: time between consecutive calls of a sequential loop, as the host sees them
for (let round = 0; round < 3; round++) {
  hostCallTimes.length = 0;
  await timed('for (let i = 0; i < 5000; i++) await api.bench.noop({ i });');
  const gaps = hostCallTimes.slice(1000).map((t, i) => t - hostCallTimes[999 + i]);
  console.log(`host call round trip:       p50 ${fmt(pct(gaps, 50))}  p90 ${fmt(pct(gaps, 90))}  (5000 sequential awaits, first 1000 skipped)`);
}

// with a warm isolate ready for each request (the pool refills between requests)
const paced = [];
for (let i = 0; i < 200; i++) {
  while (executor.stats().warmIsolates < config.execution.pool) await new Promise((resolve) => setTimeout(resolve, 2));
  paced.push(await timed('return 1 + 1'));
}
console.log(`return 1+1, warm pool:      p50 ${fmt(pct(paced, 50))}  p90 ${fmt(pct(paced, 90))}  (n=${paced.length})`);

// short programs, as agents write them: every execution starts in a fresh isolate, where V8 has compiled
// nothing yet for this program's turns; per call = (p50 with N calls - p50 of return 1+1) / N
const base = pct(paced, 50);
for (const calls of [1, 10, 50]) {
  const times = [];
  for (let i = 0; i < 100; i++) {
    while (executor.stats().warmIsolates < config.execution.pool) await new Promise((resolve) => setTimeout(resolve, 2));
    times.push(await timed(`let t = 0; for (let i = 0; i < ${calls}; i++) t += (await api.bench.noop({ i })).i; return t;`));
  }
  const p50 = pct(times, 50);
  console.log(`${String(calls).padStart(2)} sequential calls, warm pool: p50 ${fmt(p50)}, ${fmt((p50 - base) / calls)} per call in a fresh isolate`);
}

// one after another, as fast as possible: isolate creation competes with the requests
const backToBack = [];
const started = performance.now();
for (let i = 0; i < 300; i++) backToBack.push(await timed('return 1 + 1'));
const seconds = (performance.now() - started) / 1000;
console.log(`return 1+1, back to back:   p50 ${fmt(pct(backToBack, 50))}  p90 ${fmt(pct(backToBack, 90))}  ${(backToBack.length / seconds).toFixed(0)} executions/s`);

// 16 in flight
const concurrentStarted = performance.now();
let done = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (done < 800) {
    done++;
    await timed('return 1 + 1');
  }
}));
console.log(`return 1+1, 16 in flight:   ${(done / ((performance.now() - concurrentStarted) / 1000)).toFixed(0)} executions/s`);

await executor.close();
