#!/usr/bin/env node
// Where the CPU of one execution goes under load: `atp serve` as a process of its own, 16 executions in flight
// (each a module tool call, as in serve-http.js), and the CPU time of the server's main thread, of its other
// threads (isolated-vm's, which build, bootstrap and tear isolates down, and V8's) and of this client, per
// execution, from /proc. On 2 cores the sum bounds the throughput: 2000 ms / (sum in ms) executions per second.
// Linux only. Run after `npx tsc -p .`:
//
//   node --no-node-snapshot bench/serve-cpu.js [executions]

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeClient, postJson } from './serve-client.js';

const TOTAL = Number(process.argv[2] ?? 3000);
const IN_FLIGHT = 16;
const TICKS_PER_SECOND = 100; // USER_HZ: the unit of /proc/<pid>/task/<tid>/stat times
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-bench-cpu-'));
writeFileSync(path.join(dir, 'demo.js'), "export const add = { description: 'Add two numbers', inputSchema: { type: 'object' }, handler: ({ a, b }) => ({ sum: a + b }) };\n");
writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({
  server: { port: 0 },
  auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' },
  logging: { level: 'info' },
  apis: [{ name: 'demo', type: 'module', module: path.join(dir, 'demo.js') }],
}));
// started with the flag bin/atp.js would add, so that the server is this child itself and not a grandchild
const server = spawn(process.execPath, ['--no-node-snapshot', path.join(root, 'bin/atp.js'), 'serve', '-c', path.join(dir, 'atp.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
const base = await new Promise((resolve, reject) => {
  let log = '';
  server.stderr.on('data', (chunk) => {
    log += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(log);
    if (match) resolve(match[1]);
  });
  server.once('exit', (code) => reject(new Error(`atp serve exited (${code}) before listening:\n${log}`)));
});

/** CPU ms of each thread of `pid`, by thread id. */
function threadCpu(pid) {
  const times = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    times.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND); // utime, stime
  }
  return times;
}

async function load(base, headers, total) {
  let issued = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (issued < total) {
      issued++;
      const result = await postJson(`${base}/api/execute`, headers, { code: 'return await api.demo.add({ a: 1, b: 2 })' });
      if (result.result?.sum !== 3) throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 300)}`);
    }
  }));
}

try {
  const init = await postJson(`${base}/api/init`, { 'Content-Type': 'application/json' }, { clientInfo: { name: 'bench' } });
  const headers = { 'Content-Type': 'application/json', 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
  await load(base, headers, 500); // warm-up
  const before = threadCpu(server.pid);
  const client = process.cpuUsage();
  const started = performance.now();
  await load(base, headers, TOTAL);
  const seconds = (performance.now() - started) / 1000;
  const after = threadCpu(server.pid);
  const clientMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(client));
  const main = after.get(String(server.pid)) - before.get(String(server.pid));
  let others = 0;
  for (const [tid, ms] of after) if (tid !== String(server.pid)) others += ms - (before.get(tid) ?? 0);
  const per = (ms) => (ms / TOTAL).toFixed(2);
  console.log(`${os.cpus().length} cores, Node ${process.version}: ${(TOTAL / seconds).toFixed(0)} executions/s with ${IN_FLIGHT} in flight`);
  console.log(`CPU per execution: server main thread ${per(main)} ms, server's other threads ${per(others)} ms, this client ${per(clientMs)} ms`);
  console.log(`all of it: ${per(main + others + clientMs)} ms, so at most ${((os.cpus().length * 1000 * TOTAL) / (main + others + clientMs)).toFixed(0)} executions/s on these cores`);
} finally {
  closeClient();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
