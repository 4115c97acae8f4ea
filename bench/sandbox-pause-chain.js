// Cost of a chain of LLM pauses through the executor (no HTTP): resumed in place (the isolate stays live)
// and, for comparison, resumed by replay every time (state.live.max 0, as if each resume hit another instance).
// In place, each resume costs the same whatever the chain's length; replay grows with the journal.
// Run: npx tsc -p . && node --no-node-snapshot bench/sandbox-pause-chain.js

import os from 'node:os';
import Keyv from 'keyv';
import { configFromText } from '../dist/config/index.js';
import { Catalog } from '../dist/catalog/index.js';
import { createExecutor } from '../dist/execution/index.js';
import { createLogger } from '../dist/logging/index.js';

const catalog = new Catalog([]);
const services = { hasLLM: true, hasApproval: false, hasEmbedding: false, hasTools: false };

async function chain(executor, length) {
  const code = `let s = ''; for (let i = 0; i < ${length}; i++) s += await atp.llm.call({ prompt: 'p' + i }); return s.length;`;
  const started = performance.now();
  let result = await executor.execute({ code, clientId: 'bench', limits: { timeout: 60_000, memory: 128e6, llmCalls: 1000 }, services, clientTools: [] });
  while (result.status === 'paused') result = await executor.resume(result.executionId, 'bench', { result: 'answer' });
  if (result.status !== 'completed') throw new Error(`${result.status}: ${result.error?.message}`);
  return performance.now() - started;
}

console.log(`node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [label, live] of [['in place', 64], ['replay every resume', 0]]) {
  const config = configFromText(`apis: []\nexecution:\n  pool: 4\nstate:\n  live:\n    max: ${live}\n`, { filepath: '/tmp/atp-bench.yaml' });
  const executor = createExecutor({ config, catalog, stateStore: new Keyv(), cacheStore: new Keyv(), logger: createLogger({ level: 'warn', format: 'text' }) });
  await executor.warm();
  await chain(executor, 5); // warm-up
  const row = [];
  for (const length of [10, 20, 40]) {
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await chain(executor, length));
    runs.sort((a, b) => a - b);
    row.push(`${length} pauses ${runs[2].toFixed(1)} ms (${(runs[2] / length).toFixed(2)} ms each)`);
  }
  console.log(`${label.padEnd(20)} ${row.join('   ')}`);
  if (live > 0) {
    // one long chain: the time of each resume (answer in, next pause out) stays flat along it
    let result = await executor.execute({ code: 'for (let i = 0; i < 400; i++) await atp.llm.call({ prompt: "p" + i }); return 1;', clientId: 'bench', limits: { timeout: 60_000, memory: 128e6, llmCalls: 1000 }, services, clientTools: [] });
    const times = [];
    while (result.status === 'paused') {
      const started = performance.now();
      result = await executor.resume(result.executionId, 'bench', { result: 'answer' });
      times.push(performance.now() - started);
    }
    const p50 = (list) => [...list].sort((a, b) => a - b)[list.length >> 1].toFixed(3);
    console.log(`${''.padEnd(20)} one resume, in place: p50 ${p50(times.slice(0, 100))} ms for pauses 1-100, ${p50(times.slice(300))} ms for pauses 301-400`);
  }
  await executor.close();
}
