// Where the cost of one fresh sandbox goes: the same steps as Sandbox.create (src/sandbox/sandbox.ts), timed
// one by one, then dispose; and the process CPU (user and system) per sandbox, since both cores are shared.
// Run: npx tsc -p . && node --no-node-snapshot bench/sandbox-isolate-cost.js
// `new ivm.Isolate` holds the main thread; the other steps run on isolated-vm's threads, and so does the
// teardown when dispose() finds a task of ours queued in the isolate (as Sandbox.dispose arranges).

import os from 'node:os';
import ivm from 'isolated-vm';
import { RuntimeBootstrap } from '../dist/sandbox/index.js';

const bootstrap = new RuntimeBootstrap({
  apiIds: ['bench.noop'], maxInFlight: 16, maxPendingCallbacks: 16, maxTimers: 100, maxLogChars: 100_000, maxClockReadings: 1000,
});
const steps = ['new Isolate (main thread)', 'createContext', 'global.set(callback)', 'compileScript (code cache)', 'run bootstrap', 'dispose (main thread part)'];

async function oneSandbox(times) {
  const marks = [performance.now()];
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  marks.push(performance.now());
  const context = await isolate.createContext();
  marks.push(performance.now());
  await context.global.set('__atp_post', new ivm.Callback(() => {}, { ignored: true }));
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
