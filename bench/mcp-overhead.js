// Per-call overhead of an MCP call through the catalog (api.everything.echo: cap, learned output type,
// result decoding, our stdio transport) over the same call made directly with the MCP SDK's client and
// stdio transport. Two server-everything processes run side by side; blocks of calls alternate between
// the two paths so machine load affects both alike. Usage: node bench/mcp-overhead.js [rounds] [block]

import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadGroup } from '../dist/catalog/index.js';
import { createLogger } from '../dist/logging/index.js';

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

async function time(call) {
  const started = performance.now();
  for (let i = 0; i < block; i++) await call();
  return (performance.now() - started) / block;
}

for (let i = 0; i < 300; i++) { await viaSdk(); await viaCatalog(); } // warm-up: JIT, caches, learned type
const sdk = [];
const ours = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2) { ours.push(await time(viaCatalog)); sdk.push(await time(viaSdk)); }
  else { sdk.push(await time(viaSdk)); ours.push(await time(viaCatalog)); }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const diffs = sdk.map((value, i) => ours[i] - value);
const fmt = (ms) => `${(ms * 1000).toFixed(1)} µs`;
console.log(`MCP echo, ${rounds} rounds x ${block} sequential calls per path (Node ${process.version})`);
console.log(`  SDK client directly:    median ${fmt(median(sdk))} per call`);
console.log(`  through Tool.invoke:    median ${fmt(median(ours))} per call`);
console.log(`  added per call:         median ${fmt(median(diffs))} (round-by-round difference; goal < 200 µs)`);

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
