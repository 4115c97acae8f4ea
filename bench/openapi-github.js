// GitHub's REST API (@octokit/openapi) through the OpenAPI loader: load time and memory without a cache,
// restart time from the spec cache, definitions sizes, and the per-call overhead over the upstream's own time.
// Each load runs in a fresh process so memory figures are its own. Run after `npx tsc -p .`:
//   node --no-node-snapshot bench/openapi-github.js [--runs 5] [--calls 500]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SPEC = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
const SELF = fileURLToPath(import.meta.url);
const REFERENCE = { loadMs: 1050, loadRssMb: 184, definitionsBytes: 1.83e6 };

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};

async function loadOnce(cacheDir, baseUrl) {
  const { loadOpenApiGroup } = await import('../dist/catalog/loaders/openapi/index.js');
  const { createLogger } = await import('../dist/logging/index.js');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const group = await loadOpenApiGroup(
    { type: 'openapi', name: 'github', spec: SPEC, baseUrl, timeout: 30_000, concurrency: 16, retries: 0 },
    { logger: createLogger({ level: 'silent', format: 'text' }), configDir: process.cwd() },
    { cacheDir: cacheDir === 'off' ? false : cacheDir },
  );
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { group, ms, cpuMs: (used.user + used.system) / 1000 };
}

/** In a child: one load, then its figures as JSON on stdout. */
async function child(cacheDir) {
  const { group, ms, cpuMs } = await loadOnce(cacheDir);
  const rssMb = process.memoryUsage().rss / 1e6;
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6; // maxRSS is in KiB
  process.stdout.write(JSON.stringify({ functions: group.tools.length, ms, cpuMs, rssMb, peakRssMb }));
}

function measure(cacheDir) {
  const run = spawnSync(process.execPath, ['--no-node-snapshot', SELF, '--child', cacheDir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (value, digits = 0) => value.toFixed(digits);

function loads(runs) {
  const cold = Array.from({ length: runs }, () => measure('off'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-cache-'));
  try {
    const first = measure(dir); // converts and writes the cache
    const warm = Array.from({ length: runs }, () => measure(dir));
    return { cold, first, warm };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function definitions() {
  const { Catalog } = await import('../dist/catalog/index.js');
  const { generateDefinitions } = await import('../dist/definitions/index.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-defs-'));
  try {
    const { group } = await loadOnce(dir);
    const out = {};
    for (const [name, options] of [['default', {}], ['mode full', { mode: 'full' }], ['github.issues', { filter: ['github.issues'] }], ['github.repos', { filter: ['github.repos'] }]]) {
      const catalog = new Catalog([group]); // a fresh catalog: no cached text
      const started = performance.now();
      const text = generateDefinitions(catalog, options);
      out[`${name}, ${text.startsWith('// Index') ? 'index' : 'full'}`] = { bytes: Buffer.byteLength(text), ms: performance.now() - started };
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sequential calls of issues.get against a local upstream; the upstream times itself. */
async function callOverhead(calls) {
  let ownNs = 0n;
  const body = JSON.stringify({ id: 1, number: 42, title: 'Bug', state: 'open', user: { login: 'octocat', id: 1 } });
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      ownNs += process.hrtime.bigint() - started;
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-calls-'));
  try {
    const { group } = await loadOnce(dir, origin);
    const tool = group.tools.find((t) => t.sourceName === 'issues/get');
    const input = { owner: 'octocat', repo: 'hello-world', issue_number: 42 };
    const ctx = { signal: new AbortController().signal };
    for (let i = 0; i < 50; i++) await tool.invoke(input, ctx); // warm-up: JIT, validator, keep-alive socket
    const url = `${origin}/repos/octocat/hello-world/issues/42`;
    for (let i = 0; i < 50; i++) await (await fetch(url)).json();

    // Alternating rounds, median per call: the machine's background load drifts during a run.
    const rounds = 10;
    const per = Math.max(1, Math.floor(calls / rounds));
    const tool_ = [];
    const fetch_ = [];
    const toolCpu = [];
    const fetchCpu = [];
    const cpuMs = (since) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    const own = { tool: 0n, fetch: 0n };
    for (let round = 0; round < rounds; round++) {
      ownNs = 0n;
      let cpu = process.cpuUsage();
      let started = performance.now();
      for (let i = 0; i < per; i++) await tool.invoke(input, ctx);
      tool_.push((performance.now() - started) / per);
      toolCpu.push(cpuMs(cpu) / per);
      own.tool += ownNs;
      ownNs = 0n;
      cpu = process.cpuUsage();
      started = performance.now();
      for (let i = 0; i < per; i++) await (await fetch(url)).json();
      fetch_.push((performance.now() - started) / per);
      fetchCpu.push(cpuMs(cpu) / per);
      own.fetch += ownNs;
    }
    const toolMs = median(tool_);
    const fetchMs = median(fetch_);
    const toolOwnMs = Number(own.tool) / 1e6 / (per * rounds);
    const fetchOwnMs = Number(own.fetch) / 1e6 / (per * rounds);
    return { calls: per * rounds, toolMs, toolOwnMs, fetchMs, fetchOwnMs, toolCpuMs: median(toolCpu), fetchCpuMs: median(fetchCpu) };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const runs = Number(option('runs', '5'));
  const calls = Number(option('calls', '500'));
  console.log(`OpenAPI loader on GitHub's REST API (${path.basename(SPEC)}), Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);

  const { cold, first, warm } = loads(runs);
  console.log(`\nload without cache (median of ${runs} fresh processes): ${fmt(median(cold.map((r) => r.ms)))} ms wall, ${fmt(median(cold.map((r) => r.cpuMs)))} ms CPU, ` +
    `RSS ${fmt(median(cold.map((r) => r.rssMb)))} MB after load, peak ${fmt(median(cold.map((r) => r.peakRssMb)))} MB; ${cold[0].functions} functions`);
  console.log(`  reference server: ${REFERENCE.loadMs} ms, ${REFERENCE.loadRssMb} MB RSS`);
  console.log(`first start (converts and writes the cache): ${fmt(first.ms)} ms wall`);
  console.log(`restart from cache (median of ${runs}): ${fmt(median(warm.map((r) => r.ms)))} ms wall, ${fmt(median(warm.map((r) => r.cpuMs)))} ms CPU, ` +
    `RSS ${fmt(median(warm.map((r) => r.rssMb)))} MB, peak ${fmt(median(warm.map((r) => r.peakRssMb)))} MB (goal < 300 ms)`);

  console.log('\ndefinitions:');
  for (const [name, { bytes, ms }] of Object.entries(await definitions())) {
    console.log(`  ${name.padEnd(22)} ${String(bytes).padStart(8)} bytes (1/${fmt(REFERENCE.definitionsBytes / bytes, 1)} of the reference's ${REFERENCE.definitionsBytes / 1e6} MB) in ${fmt(ms)} ms`);
  }

  const overhead = await callOverhead(calls);
  console.log(`\nsequential calls (${overhead.calls} x issues.get, local upstream, keep-alive; median of 10 alternating rounds):`);
  console.log(`  tool call:  ${fmt(overhead.toolMs, 3)} ms per call, upstream's own time ${fmt(overhead.toolOwnMs, 3)} ms, overhead ${fmt(overhead.toolMs - overhead.toolOwnMs, 3)} ms`);
  console.log(`  bare fetch: ${fmt(overhead.fetchMs, 3)} ms per call, upstream's own time ${fmt(overhead.fetchOwnMs, 3)} ms, overhead ${fmt(overhead.fetchMs - overhead.fetchOwnMs, 3)} ms`);
  console.log(`  the loader adds ${fmt(overhead.toolMs - overhead.fetchMs, 3)} ms wall per call over a bare fetch (validation, request building, auth, response decoding)`);
  console.log(`  CPU per call (client and upstream share this process): tool ${fmt(overhead.toolCpuMs, 3)} ms, bare fetch ${fmt(overhead.fetchCpuMs, 3)} ms`);
}

if (args[0] === '--child') await child(args[1]);
else await main();
