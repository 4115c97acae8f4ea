#!/usr/bin/env node
// Where the time of one request goes: `atp serve` built in this process (so one clock sees everything), a
// client sending `return 1 + 1` paced (PACE_MS between requests, the server idle in between; PACE_MS=0 sends
// them back to back), and marks at the request's steps: HTTP arrival, session, body, the executor, the
// sandbox's compile and first turn, the end of the execution, the response. Prints the median time of each
// mark from the client's send. The steps are private methods wrapped from outside: a step that no longer
// exists is reported and skipped. For a probe of your own, call globalThis.__mark?.('name') anywhere (in dist/
// or a module given with --import): it adds a mark while a request is measured. Run after `npx tsc -p .`:
//
//   node --no-node-snapshot bench/serve-timeline.js            PACE_MS=0 N=500 CODE='return 1 + 1'

import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeClient, postJson } from './serve-client.js';
import { loadConfig } from '../dist/config/index.js';
import { build } from '../dist/server/index.js';
import { createLogger } from '../dist/logging/index.js';
import { Execution } from '../dist/execution/execution.js';
import { IsolatePool, Sandbox } from '../dist/sandbox/index.js';
import { Sessions } from '../dist/session/index.js';

const PACE_MS = Number(process.env.PACE_MS ?? 20);
const N = Number(process.env.N ?? 230);
const SKIP = Math.min(30, Math.floor(N / 4));
const CODE = process.env.CODE ?? 'return 1 + 1';

let marks = null;
const mark = (name) => marks?.push([name, performance.now()]);
globalThis.__mark = mark;

/** Marks entry to and return from proto[name] (and the settling of a promise it returns). */
function wrap(proto, name, label) {
  const original = proto[name];
  if (typeof original !== 'function') return console.error(`note: ${label} no longer exists; not marked`);
  proto[name] = function (...args) {
    mark(`${label} >`);
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function') result.then(() => mark(`${label} settled`), () => mark(`${label} failed`));
    mark(`${label} <`);
    return result;
  };
}
wrap(Sessions.prototype, 'authenticate', 'session');
wrap(IsolatePool.prototype, 'take', 'pool.take');
wrap(Execution.prototype, 'run', 'execution');
wrap(Execution.prototype, 'finish', 'execution finish');
wrap(Sandbox.prototype, 'compile', 'sandbox compile');
wrap(Sandbox.prototype, 'startSync', 'sandbox first turn');
wrap(Sandbox.prototype, 'heapUsedIdle', 'heap stats');
wrap(Sandbox.prototype, 'postsAndClockSync', 'posts');
wrap(IsolatePool.prototype, 'discard', 'discard');
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, request, response) {
  if (event === 'request') {
    mark('http request');
    response.once('finish', () => mark('http response written'));
  }
  return emit.apply(this, arguments);
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'atp-timeline-'));
writeFileSync(path.join(dir, 'atp.yaml'), JSON.stringify({ server: { port: 0 }, auth: { jwtSecret: 'bench-secret-bench-secret-bench-0001' }, logging: { level: 'warn' }, apis: [] }));
const daemon = await build(await loadConfig({ configPath: path.join(dir, 'atp.yaml') }), createLogger({ level: 'warn', format: 'text' }));
const base = await daemon.start();
try {
  const json = { 'Content-Type': 'application/json' };
  const init = await postJson(`${base}/api/init`, json, { clientInfo: { name: 'timeline' } });
  const headers = { ...json, 'X-Client-ID': init.clientId, Authorization: `Bearer ${init.token}` };
  const runs = [];
  for (let i = 0; i < N; i++) {
    if (PACE_MS) await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    marks = [];
    const sent = performance.now();
    const result = await postJson(`${base}/api/execute`, headers, { code: CODE });
    mark('client has the answer');
    if (result.status !== 'completed') throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 300)}`);
    if (i >= SKIP) runs.push(marks.map(([name, at]) => [name, at - sent]));
    marks = null;
  }
  // the most common sequence of marks; runs that took another path (a pool that was empty) are counted apart
  const shape = (run) => run.map(([name]) => name).join('|');
  const counts = new Map();
  for (const run of runs) counts.set(shape(run), (counts.get(shape(run)) ?? 0) + 1);
  const [common] = [...counts].sort((a, b) => b[1] - a[1])[0];
  const same = runs.filter((run) => shape(run) === common);
  console.log(`${CODE}: ${runs.length} requests ${PACE_MS ? `${PACE_MS} ms apart` : 'back to back'}, ${same.length} of them along the path below (median µs from the client's send)`);
  for (let i = 0; i < same[0].length; i++) {
    const times = same.map((run) => run[i][1]).sort((a, b) => a - b);
    console.log(`${(times[times.length >> 1] * 1000).toFixed(0).padStart(7)}  ${same[0][i][0]}`);
  }
} finally {
  closeClient();
  await daemon.stop(0);
  rmSync(dir, { recursive: true, force: true });
}
