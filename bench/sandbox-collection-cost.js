// What the collection of client isolates (IsolateHandle.collectAfterGrowth) costs and holds: one client's
// executions (the soak's programs: a demo.add call and a log line, a new program text each) in blocks that
// alternate between settings of the threshold, in one process, so that the machine's load falls on all alike.
// Per setting: CPU of the whole process per execution (all threads: the collections and the builds of new
// isolates run on isolated-vm's), the collections per 100 executions, and the isolate's heap after an execution
// (mean and max). 'retired after 100' is the policy before the collections: V8 alone, a new isolate every 100.
// Run: npx tsc -p . && node --no-node-snapshot bench/sandbox-collection-cost.js [blocks=10] [perBlock=200]

import { IsolateHandle, Sandbox } from '../dist/sandbox/sandbox.js';
import { makeExecutor, request } from '../test/unit/execution-harness.js';
import { loadAverage } from './stats.js';

const [blocks = 10, perBlock = 200] = process.argv.slice(2).map(Number);
const MB = 2 ** 20;
const SETTINGS = {
  'retired after 100': { growth: Infinity, maxExecutions: 100 },
  'V8 alone': { growth: Infinity },
  '1 MB': { growth: MB },
  '2 MB': { growth: 2 * MB },
  '3 MB': { growth: 3 * MB },
  '4 MB': { growth: 4 * MB },
};
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

// the isolates each setting's client runs in: each is first given to inIsolate (for its contexts after the
// first) during one of that setting's blocks
let current;
const seen = new Set();
const inIsolate = Sandbox.inIsolate;
Sandbox.inIsolate = function (handle, ...rest) {
  if (!seen.has(handle)) {
    seen.add(handle);
    current.handles.push(handle);
  }
  return inIsolate.call(this, handle, ...rest);
};
const collections = (run) => run.handles.reduce((sum, handle) => sum + handle.collections, 0);

const runs = Object.entries(SETTINGS).map(([name, { growth, maxExecutions = 1e9 }]) => ({
  name,
  growth,
  executor: makeExecutor({ clientIsolates: { maxExecutions }, inlineTurns: { budgetMs: 5000 } }).executor,
  cpu: 0,
  executions: 0,
  heaps: [],
  handles: [],
  collectionsBefore: 0,
}));

let n = 0;
for (let block = 0; block < blocks; block++) {
  for (const run of block % 2 ? [...runs].reverse() : runs) {
    IsolateHandle.collectAfterGrowth = run.growth;
    current = run;
    const started = cpuMs();
    for (let i = 0; i < perBlock; i++) {
      n++;
      const result = await run.executor.execute(request(`// program ${n}\nconst r = await api.demo.add({ a: ${i}, b: ${block} });\nconsole.log('sum', r.sum);\nreturn r.sum;`, { onLog() {} }));
      if (result.status !== 'completed') throw new Error(`${run.name}: ${JSON.stringify(result.error)}`);
      // the isolate idle again, its next context under way: what the heap holds between executions
      const handle = run.handles.at(-1);
      if (handle && !handle.isolate.isDisposed && block > 0) run.heaps.push((await handle.isolate.getHeapStatistics()).used_heap_size);
    }
    if (block > 0) {
      run.cpu += cpuMs() - started;
      run.executions += perBlock;
    } else {
      run.collectionsBefore = collections(run); // the first block warms up
    }
  }
}

console.log(`${blocks - 1} blocks of ${perBlock} executions per setting after one to warm up; load average ${loadAverage()}`);
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
for (const run of runs) {
  const mean = run.heaps.reduce((a, b) => a + b, 0) / run.heaps.length;
  const per100 = (collections(run) - run.collectionsBefore) / (run.executions / 100);
  console.log(`${run.name.padEnd(17)} CPU ${(run.cpu / run.executions).toFixed(3)} ms per execution, ${per100.toFixed(1)} collections per 100, ${run.handles.length} isolates, heap after an execution ${mb(mean)} MB mean, ${mb(Math.max(...run.heaps))} MB max`);
  await run.executor.close();
}
