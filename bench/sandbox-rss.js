// RSS across 1,000 sequential executions (each with a host call, a log line and a pause/resume every tenth):
// a leak of isolates, contexts or references shows as RSS growing with the count.
// Run: npx tsc -p . && node --no-node-snapshot --expose-gc bench/sandbox-rss.js   (TOTAL=n executions, default 1000)

import Keyv from 'keyv';
import { configFromText } from '../dist/config/index.js';
import { Catalog } from '../dist/catalog/index.js';
import { createExecutor } from '../dist/execution/index.js';
import { createLogger } from '../dist/logging/index.js';

const catalog = new Catalog([{
  name: 'bench',
  kind: 'module',
  tools: [{ path: ['echo'], sourceName: 'echo', description: 'echo', inputSchema: {}, annotations: {}, invoke: async (input) => input }],
  close: async () => {},
}]);
const config = configFromText('apis: []\nexecution:\n  pool: 4\n', { filepath: '/tmp/atp-bench.yaml' });
const executor = createExecutor({ config, catalog, stateStore: new Keyv(), cacheStore: new Keyv(), logger: createLogger({ level: 'warn', format: 'text' }) });
const services = { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false };
const request = (code) => ({ code, clientId: 'bench', limits: { timeout: 30_000, memory: config.execution.memory, llmCalls: 10 }, services, clientTools: [], onLog() {} });

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
function settle() {
  globalThis.gc?.();
  return new Promise((resolve) => setTimeout(resolve, 200));
}

await executor.warm();
const plain = 'const r = await api.bench.echo({ data: "x".repeat(1000) }); console.log("n", r.data.length); return { ok: true, n: Math.random() };';
const paused = 'const a = await atp.llm.call("q"); return a.length;';
const samples = [];
const total = Number(process.env.TOTAL ?? 1000);
for (let i = 0; i <= total; i++) {
  if (i % (total / 4) === 0) {
    await settle();
    samples.push([i, process.memoryUsage().rss]);
    console.log(`after ${String(i).padStart(4)} executions: RSS ${mb(process.memoryUsage().rss)}, JS heap ${mb(process.memoryUsage().heapUsed)}  (live paused ${executor.stats().livePaused})`);
  }
  if (i === total) break;
  let result = await executor.execute(request(i % 10 === 0 ? paused : plain));
  if (result.status === 'paused') result = await executor.resume(result.executionId, 'bench', { result: 'answer' });
  if (result.status !== 'completed') throw new Error(`${result.status}: ${result.error?.message}`);
}
const [, first] = samples[1]; // after a quarter: pools and JIT warmed
const [, last] = samples.at(-1);
console.log(`growth from ${samples[1][0]} to ${total}: ${mb(last - first)} (${(((last - first) / first) * 100).toFixed(1)}%)${globalThis.gc ? '' : '  (run with --expose-gc for steadier figures)'}`);
await executor.close();
