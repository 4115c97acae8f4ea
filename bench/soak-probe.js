// Loaded into `atp serve` with --import by bench/run.js's soak: counts the contexts (Sandboxes) and isolates
// the server holds, from src/sandbox's own two ways of making one (Sandbox.create: a new isolate and its first
// context; Sandbox.inIsolate: a new context in a client's isolate). A context is live until it is disposed or
// its isolate is; an isolate until isolated-vm says it is disposed (`freeing`: of those, the ones the server
// asked to free, their teardown still under way). On SIGUSR2 it writes one line to stderr:
//   atp-bench-probe {"contexts":n,"isolates":n,"freeing":n,"heapUsed":bytes,"heapTotal":bytes,"made":{"contexts":n,"isolates":n}}

import { Sandbox } from '../dist/sandbox/sandbox.js';

const contexts = new Set();
const isolates = new Set();
let madeContexts = 0;
let madeIsolates = 0;

function track(name, isNewIsolate) {
  const original = Sandbox[name];
  if (typeof original !== 'function') {
    process.stderr.write(`atp-bench-probe: Sandbox.${name} no longer exists; its contexts are not counted\n`);
    return;
  }
  Sandbox[name] = async function (...args) {
    const sandbox = await original.apply(this, args);
    contexts.add(sandbox);
    madeContexts++;
    if (isNewIsolate) {
      isolates.add(sandbox.handle);
      madeIsolates++;
    }
    return sandbox;
  };
}
track('create', true);
track('inIsolate', false);

process.on('SIGUSR2', async () => {
  for (const sandbox of contexts) if (sandbox.disposed) contexts.delete(sandbox);
  for (const handle of isolates) if (handle.isolate.isDisposed) isolates.delete(handle);
  let freeing = 0;
  for (const handle of isolates) if (handle.disposedByHost) freeing++;
  // the V8 heaps of the live isolates (used, and reserved): where a server's RSS goes besides its own heap
  const heaps = await Promise.all([...isolates].map((handle) => handle.isolate.getHeapStatistics().catch(() => undefined)));
  let heapUsed = 0;
  let heapTotal = 0;
  for (const heap of heaps) {
    heapUsed += heap ? heap.used_heap_size + heap.externally_allocated_size : 0;
    heapTotal += heap ? heap.total_heap_size : 0;
  }
  const counts = { contexts: contexts.size, isolates: isolates.size, freeing, heapUsed, heapTotal, made: { contexts: madeContexts, isolates: madeIsolates } };
  process.stderr.write(`atp-bench-probe ${JSON.stringify(counts)}\n`);
});
