#!/usr/bin/env node
// Where a sequential OpenAPI call's host cost goes, layer by layer, in this process: the same GET to a loopback
// upstream (in a process of its own, so its CPU is not counted here) made by
//   plain     node:http with a keep-alive agent, as bench/workloads.js's plain client;
//   client    the OpenAPI loader's pooled node:http client (upstream.ts) sending the request, the body read;
//   transport its Transport (http.ts): request built, headers, the attempt's limit, the answer read as JSON;
//   tool      the catalog's guarded tool (api.shop.getItem's invoke: limit, secrets masking, the OpenAPI loader);
//   plan      the host runtime's plan for it and its run (as an execution starts a server call);
//   execution one execution of the program calling it sequentially (the sandbox and its delivery turns too);
//   local     the same execution with a tool that answers the same item in this process (no HTTP, no loader):
//             what an execution costs per call on its own.
// Each layer's main-thread CPU per call (/proc/self/task/<pid>/schedstat, ns) and wall time per call, rounds
// interleaved; a layer's figure less the one above it is what that layer adds. Run after `npx tsc -p .`:
//
//   node --no-node-snapshot bench/openapi-layers.js [--calls 2000] [--rounds 5] [--dist dist] [--only plain,tool]
//
// --dist: another build's dist/ (a copy made before a change, say). BENCH_INLINE='{"budgetMs":5000,"slowMs":5000}'
// sets the executor's inlineTurns (which turn path executions take; on a loaded machine a turn stopped at the
// 10 ms budget moves its execution off the event loop), BENCH_LOG_LEVEL=debug says when that happens.
// The machine is shared: per-round figures vary by tens of µs, so only medians of many rounds mean anything, and
// other threads' CPU (V8's, isolated-vm's) is not in these figures.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Keyv from 'keyv';
import { root, shopDocument } from './servers.js';
import { loadAverage, median } from './stats.js';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const CALLS = Number(option('calls', '2000'));
const ROUNDS = Number(option('rounds', '5'));
const dist = path.resolve(root, option('dist', 'dist'));
const ONLY = option('only', undefined)?.split(',');
const load = (module) => import(pathToFileURL(path.join(dist, module)).href);
const { configFromText } = await load('config/index.js');
const { createLogger } = await load('logging/index.js');
const { openTools, createEngine } = await load('server/compose.js');
const { HostRuntime } = await load('runtime/calls.js');
const { UpstreamClient } = await load('catalog/loaders/openapi/upstream.js');
const { Transport } = await load('catalog/loaders/openapi/http.js');
const { buildRequest } = await load('catalog/loaders/openapi/request.js');
const { Redactor } = await load('catalog/loaders/openapi/redact.js');

// the upstream of servers.js's startShopUpstream, in a child process
const UPSTREAM = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const id = decodeURIComponent(req.url.split('?')[0].slice('/items/'.length));
  const body = JSON.stringify({ id, name: 'item ' + id, price: 9.5 });
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));`;
const child = spawn(process.execPath, ['-e', UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))));
const origin = `http://127.0.0.1:${port}`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-layers-'));
writeFileSync(path.join(dir, 'shop.json'), JSON.stringify(shopDocument(origin)));
const config = configFromText(JSON.stringify({
  auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' },
  logging: { level: 'info' },
  apis: [{ name: 'shop', type: 'openapi', spec: path.join(dir, 'shop.json'), baseUrl: origin }],
}), { filepath: path.join(dir, 'atp.yaml') });
process.env.ATP_CACHE_DIR = path.join(dir, 'cache');
const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'info', format: 'text' });
const { Secrets } = await load('secrets/index.js');
const secrets = new Secrets();
secrets.add(config.auth.jwtSecret); // as a server's: answers are masked
const { catalog } = await openTools(config, { logger, secrets });
const entry = catalog.get('shop.getItem');
// BENCH_INLINE='{"budgetMs":1000,"slowMs":1000}' (the executor's inlineTurns): which turn path executions take
const inlineTurns = process.env.BENCH_INLINE ? JSON.parse(process.env.BENCH_INLINE) : undefined;
const executor = createEngine(config, catalog, { stateStore: new Keyv(), cacheStore: new Keyv(), logger, inlineTurns });
const { Catalog } = await load('catalog/index.js');
const localTool = { path: ['getItem'], sourceName: 'getItem', description: 'the same answer, no HTTP', inputSchema: {}, outputSchema: {}, annotations: { readOnly: true }, invoke: async ({ id }) => ({ id, name: `item ${id}`, price: 9.5 }) };
const localCatalog = new Catalog([{ name: 'shop', kind: 'module', tools: [localTool], close: async () => {} }]);
const localExecutor = createEngine(config, localCatalog, { stateStore: new Keyv(), cacheStore: new Keyv(), logger, inlineTurns });
const runtime = new HostRuntime(catalog, { get: async () => undefined }, {});
const scope = {
  executionId: 'bench', clientId: 'bench', services: { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false },
  clientTools: new Map(), isAllowed: () => true, allowLLMCalls: false, llmLimit: 0, counters: { llm: 0, approval: 0, tools: 0 },
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const plainGet = (i) => new Promise((resolve, reject) => http.get(`${origin}/items/${i}`, { agent }, (res) => {
  const chunks = [];
  res.on('data', (chunk) => chunks.push(chunk));
  res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
}).on('error', reject));

const upstreamClient = new UpstreamClient(16);
const NO_STOP = { throwIfStopped() {}, attach() {} };
const transport = new Transport({
  timeoutMs: 30_000, retries: 2, maxSockets: 16, headers: {}, redactor: new Redactor(), logger, group: 'shop',
  auth: { bound: { headers: [], query: [] }, apply: () => undefined, invalidate: () => false },
});
const operation = { method: 'get', route: '/items/{id}', parameters: [{ key: 'id', name: 'id', in: 'path', style: 'simple', explode: false }] };

const program = (n) => `let checked = 0;
for (let i = 0; i < ${n}; i++) {
  const item = await api.shop.getItem({ id: String(i) });
  if (item.id !== String(i)) throw new Error('wrong item ' + JSON.stringify(item));
  checked++;
}
return checked;`;
const request = (code) => ({
  code, clientId: 'bench', limits: { timeout: 120_000, memory: config.execution.memory, llmCalls: 10 },
  services: { hasLLM: false, hasApproval: false, hasEmbedding: false, hasTools: false }, clientTools: [],
});

const LAYERS = {
  plain: async (n) => { for (let i = 0; i < n; i++) await plainGet(i); },
  client: async (n) => {
    for (let i = 0; i < n; i++) {
      const response = await upstreamClient.send({ method: 'GET', url: `${origin}/items/${i}`, headers: { accept: 'application/json, */*;q=0.8', 'user-agent': 'atp-openapi', 'accept-encoding': 'gzip, deflate' } }, NO_STOP);
      JSON.parse(await response.text());
    }
  },
  transport: async (n) => {
    const signal = new AbortController().signal;
    for (let i = 0; i < n; i++) {
      const input = { id: String(i) };
      await transport.send('shop.getItem', () => buildRequest(operation, origin, input, 'shop.getItem'), signal);
    }
  },
  tool: async (n) => {
    const signal = new AbortController().signal;
    for (let i = 0; i < n; i++) await entry.tool.invoke({ id: String(i) }, { signal, executionId: 'bench', clientId: 'bench' });
  },
  plan: async (n) => {
    const signal = new AbortController().signal;
    for (let i = 0; i < n; i++) {
      const plan = runtime.plan('api', 'shop.getItem', JSON.parse(JSON.stringify({ id: String(i) })), scope);
      JSON.stringify(await plan.run(signal));
    }
  },
  execution: async (n) => {
    const result = await executor.execute(request(program(n)));
    if (result.status !== 'completed' || result.result !== n) throw new Error(`execution: ${result.status} ${JSON.stringify(result.error ?? result.result)}`);
  },
  local: async (n) => {
    const result = await localExecutor.execute(request(program(n)));
    if (result.status !== 'completed' || result.result !== n) throw new Error(`local: ${result.status} ${JSON.stringify(result.error ?? result.result)}`);
  },
};

const cpuNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
const figures = Object.fromEntries(Object.keys(LAYERS).map((name) => [name, { cpu: [], wall: [] }]));
try {
  await executor.warm?.();
  for (const [name, run] of Object.entries(LAYERS)) if (!ONLY || ONLY.includes(name)) await run(Math.min(CALLS, 500)); // warm-up: JIT, pooled sockets
  console.log(`load average at start: ${loadAverage()}; ${CALLS} calls a round, ${ROUNDS} rounds`);
  const names = Object.keys(LAYERS).filter((name) => !ONLY || ONLY.includes(name));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      const cpu = cpuNs();
      const wall = performance.now();
      await LAYERS[name](CALLS);
      figures[name].wall.push(((performance.now() - wall) * 1000) / CALLS);
      figures[name].cpu.push((cpuNs() - cpu) / 1000 / CALLS);
    }
  }
  let above;
  for (const name of names) {
    if (name === 'local') above = undefined; // not a layer over the one before
    const cpu = median(figures[name].cpu);
    const wall = median(figures[name].wall);
    const adds = above ? `, adds ${(cpu - above.cpu).toFixed(1)} µs CPU, ${(wall - above.wall).toFixed(1)} µs wall` : '';
    console.log(`${name.padEnd(10)} main-thread CPU ${cpu.toFixed(1).padStart(6)} µs/call, wall ${wall.toFixed(1).padStart(6)} µs/call${adds}  (CPU by round: ${figures[name].cpu.map((v) => v.toFixed(0)).join(' ')})`);
    above = { cpu, wall };
  }
  console.log(`load average at end: ${loadAverage()}`);
} finally {
  await executor.close();
  await localExecutor.close();
  await catalog.close();
  upstreamClient.close();
  transport.close();
  agent.destroy();
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
