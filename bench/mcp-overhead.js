// Per-call overhead of an MCP call over the same call made directly with the MCP SDK's client and stdio
// transport, at two depths: through the catalog (Tool.invoke: cap, learned output type, result decoding, our
// stdio transport), and end to end from agent code in `atp serve` (a loop of `await api.everything.echo`
// in one execution: sandbox, host bridge, journal, catalog). Each path has its own server-everything
// process; blocks of calls alternate between the paths so machine load affects all alike.
// Usage: npx tsc -p . && node --no-node-snapshot bench/mcp-overhead.js [rounds] [block]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadGroup } from '../dist/catalog/index.js';
import { createLogger } from '../dist/logging/index.js';
import { closeClient, postJson, startProcess } from './serve-client.js';

const rounds = Number(process.argv[2] ?? 20);
const block = Number(process.argv[3] ?? 200);
const server = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const logger = createLogger({ level: 'silent', format: 'text' });

const direct = new Client({ name: 'bench', version: '1.0.0' });
await direct.connect(new StdioClientTransport({ command: process.execPath, args: [server, 'stdio'], stderr: 'ignore' }));
const group = await loadGroup(
  { name: 'everything', type: 'mcp', command: process.execPath, args: [server, 'stdio'], timeout: 60_000, concurrency: 16, lazy: false },
  { logger, configDir: process.cwd() },
);
const echo = group.tools.find((tool) => tool.path[0] === 'echo');
const ctx = { signal: new AbortController().signal };

const viaSdk = async () => {
  const result = await direct.callTool({ name: 'echo', arguments: { message: 'hi' } });
  if (result.content[0].text !== 'Echo: hi') throw new Error('unexpected answer');
};
const viaCatalog = async () => {
  if ((await echo.invoke({ message: 'hi' }, ctx)) !== 'Echo: hi') throw new Error('unexpected answer');
};

// atp serve with the same MCP server as a group; one execution runs a whole block of calls, and the
// upstream-independent costs of an execution (isolate, HTTP) are measured apart and taken out
const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-mcp-'));
writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({
  server: { port: 0 },
  auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' },
  apis: [{ name: 'everything', type: 'mcp', command: process.execPath, args: [server, 'stdio'] }],
}));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serve = await startProcess('atp serve', [path.join(root, 'bin/atp.js'), 'serve', '-c', path.join(dir, 'atp.yaml')]);
const init = await postJson(`${serve.url}/api/init`, { 'Content-Type': 'application/json' }, { clientInfo: { name: 'bench' } });
const headers = { 'Content-Type': 'application/json', 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
async function executeLoop(calls) {
  const code = `let n = 0; for (let i = 0; i < ${calls}; i++) if ((await api.everything.echo({ message: 'hi' })) === 'Echo: hi') n++; return n;`;
  const started = performance.now();
  const result = await postJson(`${serve.url}/api/execute`, headers, { code, config: { timeout: 120_000 } });
  if (result.status !== 'completed' || result.result !== calls) throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 300)}`);
  return performance.now() - started;
}

async function time(call) {
  const started = performance.now();
  for (let i = 0; i < block; i++) await call();
  return (performance.now() - started) / block;
}
// a block of calls in one execution, less the same execution with no call (isolate, HTTP round trip)
const timeServe = async () => ((await executeLoop(block)) - (await executeLoop(0))) / block;

// warm-up of each path and its server process (JIT, caches, learned type): steady after a few thousand calls
for (let i = 0; i < 3000; i++) { await viaSdk(); await viaCatalog(); }
for (let i = 0; i < 3; i++) await executeLoop(1000);
const sdk = [];
const ours = [];
const served = [];
const paths = [[sdk, () => time(viaSdk)], [ours, () => time(viaCatalog)], [served, timeServe]];
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < paths.length; k++) {
    const [values, measure] = paths[(k + r) % paths.length];
    values.push(await measure());
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const added = (values) => median(values.map((value, i) => value - sdk[i]));
const fmt = (ms) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`MCP echo, ${rounds} rounds x ${block} sequential calls per path (Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
console.log(`  SDK client directly:          median ${fmt(median(sdk))} per call`);
console.log(`  through Tool.invoke:          median ${fmt(median(ours))} per call, added ${fmt(added(ours))}`);
console.log(`  agent code in atp serve:      median ${fmt(median(served))} per call, added ${fmt(added(served))} (goal < 200 µs)`);
console.log('  (added: round-by-round difference from the SDK path, median)');

// The in-process part alone: the guard (cap + learner) and result decoding around an answer already there.
const { resultValue } = await import('../dist/catalog/loaders/mcp/result.js');
const { guardGroup } = await import('../dist/catalog/guard.js');
const answer = { content: [{ type: 'text', text: 'Echo: hi' }] };
const local = await guardGroup(
  { name: 'local', kind: 'mcp', tools: [{ path: ['echo'], sourceName: 'echo', description: '', inputSchema: {}, annotations: {}, invoke: async () => resultValue(answer) }], close: async () => {} },
  { concurrency: 16, logger },
);
const n = 200_000;
let started = performance.now();
for (let i = 0; i < n; i++) await local.tools[0].invoke({ message: 'hi' }, ctx);
console.log(`  catalog layers alone:   ${fmt((performance.now() - started) / n)} per call (cap, learned type, result decoding; ${n} calls)`);

await direct.close();
await group.close();
await serve.stop();
closeClient();
rmSync(dir, { recursive: true, force: true });
