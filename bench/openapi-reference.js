#!/usr/bin/env node
// A sequential OpenAPI tool call's overhead over the upstream's own time: atp serve against the reference
// ATP server (npm @mondaydotcomorg/atp-server 0.19.17, loadOpenAPI), same OpenAPI document, same local
// upstream, same program, alternating rounds. One execution makes N sequential calls, so the execute round
// trip is amortized; the upstream stamps each request's arrival, and the gap between consecutive arrivals is
// one whole call cycle (sandbox -> host -> HTTP -> upstream -> back). The baseline is the same gap for a plain
// node:http client calling the upstream directly; a second baseline runs that client in a process of its own,
// as the servers are, so that crossing between processes is not counted as their overhead. Run after
// `npx tsc -p .`:
//
//   node --no-node-snapshot bench/openapi-reference.js [--calls 200] [--rounds 5] [--only ours|reference]
//
// The reference is installed into bench/.reference on first use (npm, once).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureReference } from './reference/install.mjs';
import { closeClient, postJson, session, startProcess } from './serve-client.js';
import { startOurs as startOursServer, startShopUpstream } from './servers.js';
import { mean, median } from './stats.js';
import { plainCalls } from './workloads.js';

const SELF = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(SELF), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const CALLS = Number(option('calls', '200'));
const ROUNDS = Number(option('rounds', '5'));
const ONLY = option('only', undefined);
const GROUP = 'shop';
// A tool with the same input and answer but no HTTP behind it: the sandbox-to-host call cost on its own.
const ITEM_INPUT = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const localItem = (id) => ({ id, name: `item ${id}`, price: 9.5 });
const LOCAL_MODULE = `export const getItem = {
  description: 'The same answer, no HTTP',
  inputSchema: ${JSON.stringify(ITEM_INPUT)},
  handler: ({ id }) => ({ id, name: 'item ' + id, price: 9.5 }),
};
`;

/** In a child process: the reference server with the document loaded by its own loadOpenAPI. */
async function referenceChild(specFile) {
  const entry = path.join(root, 'bench', '.reference', 'node_modules', '@mondaydotcomorg', 'atp-server', 'dist', 'index.js');
  const { createServer } = await import(pathToFileURL(entry).href);
  process.env.ATP_JWT_SECRET ??= 'reference-bench-secret-reference-bench-0001';
  const server = createServer({ logger: 'none' });
  await server.loadOpenAPI(specFile, { name: GROUP });
  server.use({ name: 'local', type: 'custom', functions: [{ name: 'getItem', description: 'The same answer, no HTTP', inputSchema: ITEM_INPUT, handler: async ({ id }) => localItem(id) }] });
  await server.start();
  const httpServer = http.createServer(server.handler());
  httpServer.listen(0, '127.0.0.1', () => process.stderr.write(`listening on http://127.0.0.1:${httpServer.address().port}\n`));
  const stop = () => httpServer.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function plainGet(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    }).on('error', reject);
  });
}


async function startOurs(dir, specFile, origin) {
  writeFileSync(path.join(dir, 'local.js'), LOCAL_MODULE);
  return startOursServer({ openapi: { name: GROUP, spec: specFile, baseUrl: origin }, apis: [{ name: 'local', type: 'module', module: path.join(dir, 'local.js') }] });
}

async function startReference(specFile) {
  ensureReference();
  return startProcess('reference', [SELF, '--reference-child', specFile]);
}

const program = (n, group = GROUP) => `let checked = 0;
for (let i = 0; i < ${n}; i++) {
  const item = await api.${group}.getItem({ id: String(i) });
  if (item.id !== String(i)) throw new Error('wrong item ' + JSON.stringify(item));
  checked++;
}
return checked;`;

async function execute(server, headers, code, expected) {
  const result = await postJson(`${server.url}/api/execute`, headers, { code, config: { timeout: 120_000 } });
  if (result.status !== 'completed' || result.result !== expected) throw new Error(`${server.name}: unexpected answer: ${JSON.stringify(result).slice(0, 400)}`);
}

/** One execution of N sequential calls: wall time, and the upstream's view of each call cycle. */
async function serverRound(server, headers, upstream, n) {
  const close = upstream.window();
  const started = performance.now();
  await execute(server, headers, program(n), n);
  const wallMs = performance.now() - started;
  const seen = close();
  if (seen.requests !== n) throw new Error(`${server.name}: upstream saw ${seen.requests} requests, expected ${n}`);
  // the same execution without calls: what the execute round trip costs, to take out of the wall time
  const empty = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await execute(server, headers, program(0), 0);
    empty.push(performance.now() - t);
  }
  // the same calls to the tool without HTTP: what crossing from the sandbox to the host costs
  const local = performance.now();
  await execute(server, headers, program(n, 'local'), n);
  const localPerCallMs = (performance.now() - local - median(empty)) / n;
  return { ...seen, wallPerCallMs: (wallMs - median(empty)) / n, localPerCallMs };
}

async function baselineRound(upstream, n) {
  const close = upstream.window();
  const client = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const item = await plainGet(`${upstream.origin}/items/${i}`);
    client.push(performance.now() - t);
    if (item.id !== String(i)) throw new Error('baseline: wrong item');
  }
  return { ...close(), client };
}

// The same plain client in a process of its own, as both servers are: a call then crosses between processes
// the way theirs do, and only what a server adds is left over.
const childBaselineRound = async (upstream, n) => ({ gaps: await plainCalls(upstream, n) });

const fmt = (value, digits = 3) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));

async function main() {
  const upstream = await startShopUpstream();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-openapi-ref-'));
  const specFile = upstream.writeSpec(dir);
  const servers = [];
  try {
    for (const [name, start] of [['ours', () => startOurs(dir, specFile, upstream.origin)], ['reference', () => startReference(specFile)]]) {
      if (ONLY && ONLY !== name) continue;
      servers.push(await start());
    }
    process.stderr.write(`measuring ${servers.map((s) => `${s.name} at ${s.url}`).join(' and ')}; upstream ${upstream.origin}\n`);
    const headers = new Map();
    for (const server of servers) {
      headers.set(server, await session(server.url));
      await serverRound(server, headers.get(server), upstream, Math.min(50, CALLS)); // warm-up: JIT, sockets, pools
    }
    await baselineRound(upstream, 50);

    const perRound = [];
    for (let round = 0; round < ROUNDS; round++) {
      const row = { baseline: await baselineRound(upstream, CALLS), apart: await childBaselineRound(upstream, CALLS) };
      // alternate which server goes first, so drift in machine load falls on both alike
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) row[server.name] = await serverRound(server, headers.get(server), upstream, CALLS);
      perRound.push(row);
      report(`round ${round + 1}/${ROUNDS}`, [row], servers);
    }
    console.log('');
    report(`all ${ROUNDS} rounds pooled (${CALLS} sequential calls per execution)`, perRound, servers);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await upstream.close();
    closeClient();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(title, rows, servers) {
  const gapsOf = (name) => rows.flatMap((row) => row[name].gaps);
  const base = gapsOf('baseline');
  const baseP50 = median(base);
  const baseMean = mean(base);
  const clientP50 = median(rows.flatMap((row) => row.baseline.client));
  const own = mean(rows.map((row) => row.baseline.ownMs));
  console.log(`${title}`);
  console.log(`  baseline (plain node:http client, keep-alive): per request p50 ${fmt(baseP50)} ms, mean ${fmt(baseMean)} ms (client round trip p50 ${fmt(clientP50)} ms; upstream handler ${fmt(own)} ms)`);
  const apartP50 = median(gapsOf('apart'));
  console.log(`  the same client in a process of its own, as the servers are: per request p50 ${fmt(apartP50)} ms`);
  const overheads = {};
  for (const server of servers) {
    const gaps = gapsOf(server.name);
    const p50 = median(gaps);
    const avg = mean(gaps);
    const wall = mean(rows.map((row) => row[server.name].wallPerCallMs));
    const local = mean(rows.map((row) => row[server.name].localPerCallMs));
    overheads[server.name] = { p50: p50 - baseP50, mean: avg - baseMean, apart: p50 - apartP50 };
    console.log(`  ${server.name.padEnd(9)} per call p50 ${fmt(p50)} ms, mean ${fmt(avg)} ms (from execute wall time ${fmt(wall)} ms); overhead p50 ${fmt(p50 - baseP50)} ms, mean ${fmt(avg - baseMean)} ms; same tool without HTTP ${fmt(local)} ms per call`);
  }
  if (overheads.ours && overheads.reference) {
    console.log(`  reference/ours overhead: p50 ${fmt(overheads.reference.p50 / overheads.ours.p50, 1)}x, mean ${fmt(overheads.reference.mean / overheads.ours.mean, 1)}x (goal >= 5x)`);
    console.log(`  over the client in a process of its own: ours p50 ${fmt(overheads.ours.apart)} ms, reference ${fmt(overheads.reference.apart)} ms, reference/ours ${fmt(overheads.reference.apart / overheads.ours.apart, 1)}x`);
  }
}

if (args[0] === '--reference-child') await referenceChild(args[1]);
else {
  await main();
  console.log(`machine: ${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}
