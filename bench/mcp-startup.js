// Start-up time of stdio MCP groups: one group through loadGroup (spawn, handshake, tools/list, catalog
// guard) beside the same steps with the SDK alone; then N groups one after another versus loadGroups,
// which starts them in parallel. Usage: node bench/mcp-startup.js [runs] [groups]

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadGroup, loadGroups } from '../dist/catalog/index.js';
import { createLogger } from '../dist/logging/index.js';

const runs = Number(process.argv[2] ?? 5);
const count = Number(process.argv[3] ?? 4);
const server = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/dist/index.js');
const logger = createLogger({ level: 'silent', format: 'text' });
const config = (name) => ({ name, type: 'mcp', command: process.execPath, args: [server, 'stdio'], timeout: 60_000, concurrency: 16, lazy: false });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

const sdk = [];
const ours = [];
for (let r = 0; r < runs; r++) {
  const [sdkMs, client] = await timed(async () => {
    const c = new Client({ name: 'bench', version: '1.0.0' });
    await c.connect(new StdioClientTransport({ command: process.execPath, args: [server, 'stdio'], stderr: 'ignore' }));
    await c.listTools();
    return c;
  });
  await client.close();
  const [oursMs, group] = await timed(() => loadGroup(config('everything'), { logger, configDir: process.cwd() }));
  await group.close();
  sdk.push(sdkMs);
  ours.push(oursMs);
}
console.log(`stdio MCP start-up (server-everything, ${runs} runs, Node ${process.version})`);
console.log(`  SDK alone (spawn, initialize, tools/list): median ${ms(median(sdk))}`);
console.log(`  loadGroup (the same, plus catalog):       median ${ms(median(ours))} (added: ${ms(median(ours) - median(sdk))})`);

const [sequentialMs, one] = await timed(async () => {
  const groups = [];
  for (let i = 0; i < count; i++) groups.push(await loadGroup(config(`g${i}`), { logger, configDir: process.cwd() }));
  return groups;
});
await Promise.all(one.map((group) => group.close()));
const [parallelMs, loaded] = await timed(() => loadGroups(Array.from({ length: count }, (_, i) => config(`g${i}`)), { logger, configDir: process.cwd() }));
if (loaded.failures.length) throw loaded.failures[0];
await Promise.all(loaded.groups.map((group) => group.close()));
console.log(`  ${count} groups one after another:            ${ms(sequentialMs)}`);
console.log(`  ${count} groups with loadGroups (in parallel): ${ms(parallelMs)} (${(sequentialMs / parallelMs).toFixed(1)}x faster; ${availableParallelism()} cores)`);
