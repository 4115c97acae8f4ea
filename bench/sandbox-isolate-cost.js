// Where the cost of one fresh sandbox goes. First the steps of building one directly on this thread, timed one
// by one, then dispose; and the process CPU (user and system) per sandbox, since both cores are shared.
// `new ivm.Isolate` holds the thread that calls it. Then the way the server does it (IsolatePool, which
// builds and tears isolates down on isolated-vm's threads, src/sandbox/builder.ts): how long this thread is
// busy per sandbox, against the direct way.
// The event-loop delay while sandboxes are made back to back says how late a request arriving meanwhile is.
// Run: npx tsc -p . && node --no-node-snapshot bench/sandbox-isolate-cost.js   (PAR=n: helpers building at once)

import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ivm from 'isolated-vm';
import { IsolatePool, RuntimeBootstrap } from '../dist/sandbox/index.js';
import { createLogger } from '../dist/logging/index.js';

const runtime = { maxInFlight: 16, maxPendingCallbacks: 16, maxTimers: 100, maxLogChars: 100_000, maxClockReadings: 1000 };
const bootstrap = new RuntimeBootstrap(runtime, ['bench.noop']);
const steps = ['new Isolate (main thread)', 'createContext', 'global.set(callbacks, api)', 'compileScript (code cache)', 'run bootstrap', 'dispose (main thread part)'];

async function oneSandbox(times) {
  const marks = [performance.now()];
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  marks.push(performance.now());
  const context = await isolate.createContext();
  marks.push(performance.now());
  await Promise.all([
    context.global.set('__atp_api', bootstrap.inputs().boot.globals.__atp_api.copyInto()),
    context.global.set('__atp_post', new ivm.Callback(() => {}, { ignored: true })),
    context.global.set('__atp_record', new ivm.Callback(() => {}, { sync: true })),
  ]);
  marks.push(performance.now());
  const script = await isolate.compileScript(bootstrap.source, bootstrap.cachedData ? { cachedData: bootstrap.cachedData } : { produceCachedData: true });
  bootstrap.cachedData ??= script.cachedData;
  marks.push(performance.now());
  const entry = await script.run(context, { reference: true, release: true });
  await entry.get('deliver', { reference: true });
  marks.push(performance.now());
  context.eval('0').catch(() => undefined);
  isolate.dispose();
  marks.push(performance.now());
  if (times) for (let i = 0; i < steps.length; i++) times[i].push(marks[i + 1] - marks[i]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (let i = 0; i < 20; i++) await oneSandbox(); // code cache, JIT
const count = 300;
const times = steps.map(() => []);
const cpu = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < count; i++) await oneSandbox(times);
const wall = (performance.now() - started) / count;
const used = process.cpuUsage(cpu);
for (let i = 0; i < steps.length; i++) console.log(`${steps[i].padEnd(28)} median ${median(times[i]).toFixed(2)} ms`);
console.log(`per sandbox: wall ${wall.toFixed(2)} ms, process CPU user ${(used.user / 1000 / count).toFixed(2)} ms + system ${(used.system / 1000 / count).toFixed(2)} ms (n=${count}, one at a time)`);

// The same number of sandboxes, through the pool: take one (built on isolated-vm's threads), run nothing, discard.
const pool = new IsolatePool({ size: 4, parallelism: process.env.PAR ? Number(process.env.PAR) : undefined, memoryLimit: 128 * 1024 * 1024, runtime, apiIds: ['bench.noop'], logger: createLogger({ level: 'error', format: 'text' }) });
await pool.fill();
for (let i = 0; i < 20; i++) pool.discard(await pool.take(128 * 1024 * 1024));
// how late a request arriving meanwhile would be served: the delay of the event loop while sandboxes are made
const delays = () => {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return () => {
    histogram.disable();
    return `event-loop delay p99 ${(histogram.percentile(99) / 1e6).toFixed(2)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms`;
  };
};
const direct = { wall, busy: 0 };
let directDelay;
{
  const loop = performance.eventLoopUtilization();
  const stop = delays();
  for (let i = 0; i < count; i++) await oneSandbox();
  directDelay = stop();
  direct.busy = performance.eventLoopUtilization(loop).active / count;
}
const loop = performance.eventLoopUtilization();
const poolCpu = process.cpuUsage();
const poolStarted = performance.now();
const stopPoolDelay = delays();
for (let i = 0; i < count; i++) pool.discard(await pool.take(128 * 1024 * 1024));
const poolDelay = stopPoolDelay();
const poolWall = (performance.now() - poolStarted) / count;
const busy = performance.eventLoopUtilization(loop).active / count;
const poolUsed = process.cpuUsage(poolCpu);
console.log(`this thread busy per sandbox: direct ${direct.busy.toFixed(2)} ms, through the pool ${busy.toFixed(2)} ms (${(direct.busy / busy).toFixed(1)}x less)`);
console.log(`sandboxes made back to back: direct ${directDelay}; through the pool ${poolDelay}`);
console.log(`through the pool: wall ${poolWall.toFixed(2)} ms per sandbox, process CPU user ${(poolUsed.user / 1000 / count).toFixed(2)} ms + system ${(poolUsed.system / 1000 / count).toFixed(2)} ms`);
await pool.close();
