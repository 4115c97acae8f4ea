#!/usr/bin/env node
// What metrics cost a tool call: the same atp serve with telemetry.metrics off, then on (Prometheus, scraped
// once a second as a scraper would; OTLP pushes to a collector on 127.0.0.1 that answers at once), one
// execution of many module-tool calls at a time. Runs alternate between the two servers, so a busy moment of
// the machine falls on both. Prints, per call, the server's CPU time (from /proc, Linux: steadier than wall
// time on a shared machine) and the wall time, with the differences. On a busy machine these move by several
// µs from run to run, so the host's side of a call is also measured alone, in this process: the runtime's
// plan and run of one module call, without metrics and with them (recorded, then scraped at the end).
//
//   node --no-node-snapshot bench/metrics-overhead.js [--quick]

import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { closeClient, postJson } from './serve-client.js';
import { HostRuntime } from '../dist/runtime/index.js';
import { createMetrics } from '../dist/telemetry/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const CALLS = quick ? 5_000 : 20_000;
const ROUNDS = quick ? 5 : 11;
const TOKEN = 'bench-scrape-token-0123456789';

const DEMO_MODULE = `export const add = {
  description: 'Add two numbers',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  handler: ({ a, b }) => a + b,
};
`;

async function startCollector() {
  const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/v1/metrics`, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function startServer(label, telemetry) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-metrics-'));
  writeFileSync(path.join(dir, 'demo.js'), DEMO_MODULE);
  writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({
    server: { port: 0 },
    auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' },
    logging: { level: 'info' },
    execution: { timeout: '5m', maxTimeout: '5m' },
    apis: [{ name: 'demo', type: 'module', module: path.join(dir, 'demo.js') }],
    ...(telemetry && { telemetry }),
  }));
  const server = await spawnServer(label, [path.join(root, 'bin/atp.js'), 'serve', '-c', path.join(dir, 'atp.yaml')]);
  const init = await postJson(`${server.url}/api/init`, { 'Content-Type': 'application/json' }, { clientInfo: { name: 'bench' } });
  const headers = { 'Content-Type': 'application/json', 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
  return { label, url: server.url, pid: server.pid, headers, stop: async () => { await server.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** The server in this very process (already --no-node-snapshot, so bin/atp.js does not start another): its pid is the server's. */
function spawnServer(label, args) {
  const child = spawn(process.execPath, ['--no-node-snapshot', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(log);
      if (match) resolve({ url: match[1], pid: child.pid, stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}) before listening:\n${log}`)));
  });
}

/** CPU time a process has used (user + system), in ms; undefined where /proc is not there. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

/** One execution making CALLS calls: its wall time and the server's CPU time, in ms. */
async function round(server) {
  const code = `let s = 0; for (let i = 0; i < ${CALLS}; i++) s = await api.demo.add({ a: s, b: 1 }); return s;`;
  const [started, cpu] = [performance.now(), cpuMs(server.pid)];
  const result = await postJson(`${server.url}/api/execute`, server.headers, { code, config: { timeout: 300_000 } });
  if (result.status !== 'completed' || result.result !== CALLS) throw new Error(`${server.label}: ${JSON.stringify(result).slice(0, 300)}`);
  return { wall: performance.now() - started, cpu: cpu === undefined ? NaN : cpuMs(server.pid) - cpu };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The host's side of one call (HostRuntime.plan, then the call's run), µs, without and with metrics. */
async function hostSide() {
  const quiet = { warn() {}, info() {}, debug() {}, error() {}, enabled: () => false, child() { return this; } };
  const metrics = createMetrics({ serviceName: 'bench', sampleRatio: 1, metrics: { otlp: false, interval: 60_000, topClients: 10, prometheus: { token: TOKEN } } }, { logger: quiet, version: '0' });
  const entry = { id: 'demo.add', group: { name: 'demo', kind: 'module' }, tool: { sourceName: 'add', annotations: {}, invoke: async ({ a, b }) => a + b } };
  const catalog = { get: () => entry };
  const runtimes = { off: new HostRuntime(catalog, undefined, {}), on: new HostRuntime(catalog, undefined, { metrics }) };
  const signal = new AbortController().signal;
  const calls = quick ? 50_000 : 200_000;
  const measure = async (runtime) => {
    const scope = { executionId: 'e', clientId: 'c', services: {}, clientTools: new Map(), isAllowed: () => true, allowLLMCalls: true, llmLimit: 0, counters: { llm: 0, approval: 0, tools: 0 } };
    const started = performance.now();
    for (let i = 0; i < calls; i++) await runtime.plan('api', 'demo.add', { a: i, b: 1 }, scope).run(signal);
    return ((performance.now() - started) * 1000) / calls;
  };
  const times = { off: [], on: [] };
  for (let i = 0; i < ROUNDS + 1; i++) {
    times.off.push(await measure(runtimes.off));
    times.on.push(await measure(runtimes.on));
  }
  const [off, on] = [median(times.off.slice(1)), median(times.on.slice(1))];
  if (!(await metrics.scrape()).includes('atp_tool_duration_count{atp_group="demo"')) throw new Error('the calls were not recorded');
  await metrics.close();
  console.log(`host side of a call, in this process: off ${off.toFixed(3)} µs, on ${on.toFixed(3)} µs, metrics add ${(on - off).toFixed(3)} µs`);
}

await hostSide();
const collector = await startCollector();
const off = await startServer('metrics off');
const on = await startServer('metrics on', { metrics: { otlp: collector.url, interval: '1s', prometheus: { token: TOKEN } } });
const scraper = setInterval(() => {
  fetch(`${on.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text(), () => undefined);
}, 1000);
try {
  await round(off); // warm-up: JIT, caches
  await round(on);
  const rounds = { off: [], on: [] };
  for (let i = 0; i < ROUNDS; i++) {
    rounds.off.push(await round(off));
    rounds.on.push(await round(on));
  }
  const perCall = (ms) => (ms * 1000) / CALLS;
  console.log(`${CALLS} module-tool calls per execution, median of ${ROUNDS} rounds each, µs per call`);
  for (const measure of ['cpu', 'wall']) {
    const [a, b] = [median(rounds.off.map((r) => r[measure])), median(rounds.on.map((r) => r[measure]))];
    console.log(`${measure === 'cpu' ? 'server CPU' : 'wall time '}: off ${perCall(a).toFixed(2)}, on ${perCall(b).toFixed(2)}, difference ${(perCall(b) - perCall(a)).toFixed(2)} (${((b / a - 1) * 100).toFixed(1)}%)`);
  }
} finally {
  clearInterval(scraper);
  await Promise.all([off.stop(), on.stop()]);
  await collector.close();
  closeClient();
}
