// atp mcp over stdio, driven by the MCP SDK's client: (1) a trivial execute_code round trip; (2) what one inner tool
// call costs, against calling the same MCP server (server-everything's echo) directly with the SDK: a whole
// execute_code with one call vs one direct call, and the marginal cost of a call inside a program (a block of calls
// in one execute_code, less the same program with none, per call). Blocks alternate between the paths so the
// machine's load falls on all alike. (3) The size of the three tools' descriptions for atp.config.example.yaml and
// for GitHub's REST API (1,223 operations), in characters and approximate tokens (characters / 4).
// Usage: npx tsc -p . && node --no-node-snapshot bench/atp-mcp.js [rounds] [block]

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Catalog } from '../dist/catalog/index.js';
import { loadOpenApiGroup } from '../dist/catalog/loaders/openapi/index.js';
import { createLogger } from '../dist/logging/index.js';
import { toolDefinitions } from '../dist/mcp-server/index.js';

const rounds = Number(process.argv[2] ?? 5);
const block = Number(process.argv[3] ?? 100);
const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const sorted = (values) => [...values].sort((a, b) => a - b);
const median = (values) => sorted(values)[Math.floor(values.length / 2)];
const p90 = (values) => sorted(values)[Math.min(values.length - 1, Math.floor(values.length * 0.9))];
const ms = (value) => `${value.toFixed(2)} ms`;
const us = (value) => `${(value * 1000).toFixed(0)} µs`;

async function connect(args, cwd, stderr = 'ignore') {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, cwd, stderr }));
  return client;
}
const atpMcp = (file) => connect(['--no-node-snapshot', path.join(root, 'bin/atp.js'), 'mcp', '-c', file, '--log-level', 'warn'], path.dirname(file), 'inherit');

const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-mcp-server-'));
const file = path.join(dir, 'atp.yaml');
writeFileSync(file, JSON.stringify({ apis: [{ name: 'everything', type: 'mcp', command: process.execPath, args: [everything, 'stdio'] }], execution: { timeout: '120s' } }));
const atp = await atpMcp(file);
const direct = await connect([everything, 'stdio']);

async function execute(code) {
  const result = await atp.callTool({ name: 'execute_code', arguments: { code } });
  if (result.isError) throw new Error(`execute_code failed: ${result.content[0].text}`);
  return JSON.parse(result.content[0].text).result;
}
const loop = (calls) => `let n = 0; for (let i = 0; i < ${calls}; i++) if ((await api.everything.echo({ message: 'hi' })) === 'Echo: hi') n++; return n;`;
async function timed(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}
const trivial = () => timed(() => execute('return 1'));
const oneCall = () => timed(async () => {
  if ((await execute(loop(1))) !== 1) throw new Error('unexpected answer');
});
const directCall = () => timed(async () => {
  const result = await direct.callTool({ name: 'echo', arguments: { message: 'hi' } });
  if (result.content[0].text !== 'Echo: hi') throw new Error('unexpected answer');
});
async function marginal() {
  const calls = await timed(async () => {
    if ((await execute(loop(block))) !== block) throw new Error('unexpected answer');
  });
  return (calls - (await timed(() => execute(loop(0))))) / block;
}
async function directBlock() {
  const started = performance.now();
  for (let i = 0; i < block; i++) await directCall();
  return (performance.now() - started) / block;
}

// warm-up: JIT, the isolate pool, the learned output type of echo
for (let i = 0; i < 50; i++) await trivial();
for (let i = 0; i < 3; i++) await marginal();
for (let i = 0; i < 500; i++) await directCall();

const samples = { trivial: [], oneCall: [], directCall: [], marginal: [], directBlock: [] };
for (let r = 0; r < rounds; r++) {
  const paths = [
    async () => { for (let i = 0; i < block; i++) samples.trivial.push(await trivial()); },
    async () => { for (let i = 0; i < block; i++) samples.oneCall.push(await oneCall()); },
    async () => { for (let i = 0; i < block; i++) samples.directCall.push(await directCall()); },
    async () => samples.marginal.push(await marginal()),
    async () => samples.directBlock.push(await directBlock()),
  ];
  for (let k = 0; k < paths.length; k++) await paths[(k + r) % paths.length]();
}

console.log(`atp mcp over stdio, ${rounds} rounds (Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
console.log(`  trivial execute_code (return 1):        median ${ms(median(samples.trivial))}, p90 ${ms(p90(samples.trivial))} (${samples.trivial.length} runs)`);
console.log(`  execute_code with one echo call:        median ${ms(median(samples.oneCall))}, p90 ${ms(p90(samples.oneCall))}`);
console.log(`  echo called directly (SDK client):      median ${ms(median(samples.directCall))}, p90 ${ms(p90(samples.directCall))}`);
console.log(`    one call through atp mcp costs ${ms(median(samples.oneCall) - median(samples.directCall))} more than directly (medians), ${(median(samples.oneCall) / median(samples.directCall)).toFixed(1)}x`);
console.log(`  a call inside a program (${block} per run, less an empty run): median ${us(median(samples.marginal))} per call`);
console.log(`  the same calls made directly one after another:         median ${us(median(samples.directBlock))} per call`);

await Promise.all([atp.close(), direct.close()]);
rmSync(dir, { recursive: true, force: true });

// the tools' descriptions as an MCP client receives them (tools/list), and what its context window pays for them
function size(tools) {
  const chars = JSON.stringify(tools).length;
  const descriptions = tools.reduce((sum, tool) => sum + tool.description.length, 0);
  return `${chars} characters of JSON (~${Math.round(chars / 4)} tokens at 4 characters a token), descriptions ${descriptions} characters`;
}
const example = await atpMcp(path.join(root, 'atp.config.example.yaml'));
const { tools } = await example.listTools();
console.log(`tools/list for atp.config.example.yaml (${tools.length} tools): ${size(tools)}`);
await example.close();

const cache = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-github-'));
const github = await loadOpenApiGroup(
  { type: 'openapi', name: 'github', spec: require.resolve('@octokit/openapi/generated/api.github.com.json'), baseUrl: 'https://api.github.com', timeout: 10_000, concurrency: 1, retries: 0, description: "GitHub's REST API" },
  { logger: createLogger({ level: 'silent', format: 'text' }), configDir: root },
  { cacheDir: cache },
);
const catalog = new Catalog([github]);
const githubTools = toolDefinitions(catalog, { timeout: 30_000, memory: 128e6, llmCalls: 50 });
console.log(`tools/list for GitHub's REST API (${catalog.size} operations): ${size(githubTools)}`);
await github.close();
rmSync(cache, { recursive: true, force: true });
