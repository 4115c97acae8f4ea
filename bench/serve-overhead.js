#!/usr/bin/env node
// What the HTTP layer itself costs per request (koa app, session auth, body parsing, JSON answer), measured
// with an executor that answers at once, so the sandbox's cost is out of the figure. Compare with
// bench/serve-http.js, which measures the whole daemon.
//
//   node --no-node-snapshot bench/serve-overhead.js

import os from 'node:os';
import { configFromText } from '../dist/config/index.js';
import { Catalog } from '../dist/catalog/index.js';
import { createApp } from '../dist/http/index.js';
import { createLogger } from '../dist/logging/index.js';
import { Sessions } from '../dist/session/index.js';
import { openStore } from '../dist/store/index.js';
import http from 'node:http';
import { closeClient, postJson } from './serve-client.js';

const config = configFromText('apis: []\nauth: { jwtSecret: "overhead-bench-secret-overhead-bench-01" }\n', { filepath: '/bench/atp.yaml' });
const logger = createLogger({ level: 'silent', format: 'text' });
const store = await openStore('memory://', { namespace: 'bench' });
const sessions = new Sessions({ store, auth: config.auth, ttl: config.state.ttl, logger });
const answer = { status: 'completed', result: 2, stats: { duration: 0, memoryUsed: 0, llmCallsCount: 0, approvalCallsCount: 0 } };
// answers at once: this bench is about the HTTP layer only
const executor = { execute: async () => ({ executionId: 'exe_bench', ...answer }), resume: async (id) => ({ executionId: id, ...answer }), close: async () => undefined };
const app = createApp({ config, catalog: new Catalog([]), executor, sessions, logger, version: 'bench', discovery: {}, lifecycle: { ready: true, draining: false } });
const server = http.createServer(app.callback());
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const init = await (await fetch(`${base}/api/init`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json();
const headers = { 'Content-Type': 'application/json', 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
const body = { code: 'return 1 + 1', config: { timeout: 5000 } };
const once = async () => {
  const value = await postJson(`${base}/api/execute`, headers, body);
  if (value.result !== 2) throw new Error(`unexpected ${JSON.stringify(value)}`);
};

for (let i = 0; i < 500; i++) await once();
const times = [];
for (let i = 0; i < 3000; i++) {
  const started = performance.now();
  await once();
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const total = 8000;
let issued = 0;
const started = performance.now();
await Promise.all(Array.from({ length: 16 }, async () => {
  while (issued++ < total) await once();
}));
const perSecond = total / ((performance.now() - started) / 1000);
console.log(`machine: ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`HTTP layer, POST /api/execute with an instant executor (client in the same process):`);
console.log(`  p50 ${times[times.length >> 1].toFixed(3)} ms, p90 ${times[Math.floor(times.length * 0.9)].toFixed(3)} ms, ${perSecond.toFixed(0)} requests/s with 16 in flight`);
closeClient();
server.close();
await store.close();
