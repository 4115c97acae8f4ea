// Loaded into `atp serve` with --import by bench/run.js's soak (and bench/soak.js): counts the contexts
// (Sandboxes) and isolates the server holds, from src/sandbox's own two ways of making one (Sandbox.create: a
// new isolate and its first context; Sandbox.inIsolate: a new context in a client's isolate). A context is live
// until it is disposed or its isolate is; an isolate until isolated-vm says it is disposed (`freeing`: of those,
// the ones the server asked to free, their teardown still under way). On SIGUSR2 it writes one line to stderr:
//   atp-bench-probe {"contexts":n,"isolates":n,"freeing":n,"heapUsed":bytes,"heapTotal":bytes,"made":{...},"memory":{...}}
// `memory` splits the process's resident memory: the isolates' V8 heaps (sums over the live isolates of
// getHeapStatistics' used, total, physical, external and malloced sizes), the main isolate's own heap (by space), the
// process's anonymous and file-backed resident memory (/proc/self/smaps_rollup) and its thread count.

import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
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

/** Fields of /proc/self/<file> ("Name:   123 kB" lines) in bytes, or counts for lines without a unit. */
function procFields(file, names) {
  const found = {};
  try {
    const text = readFileSync(`/proc/self/${file}`, 'utf8');
    for (const name of names) {
      const match = new RegExp(`^${name}:\\s+(\\d+)( kB)?`, 'm').exec(text);
      if (match) found[name] = Number(match[1]) * (match[2] ? 1024 : 1);
    }
  } catch {
    // not Linux: the figures are left out
  }
  return found;
}

/** The main isolate's heap by space (new, old, code, large objects...): size and used, in bytes. */
function mainSpaces() {
  return Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name.replace(/_space$/, ''), { size: space.space_size, used: space.space_used_size }]));
}

process.on('SIGUSR2', async () => {
  for (const sandbox of contexts) if (sandbox.disposed) contexts.delete(sandbox);
  for (const handle of isolates) if (handle.isolate.isDisposed) isolates.delete(handle);
  let freeing = 0;
  for (const handle of isolates) if (handle.disposedByHost) freeing++;
  // the V8 heaps of the live isolates (used, and reserved): where a server's RSS goes besides its own heap
  const heaps = await Promise.all([...isolates].map((handle) => handle.isolate.getHeapStatistics().catch(() => undefined)));
  const sum = { used: 0, total: 0, physical: 0, executable: 0, external: 0, malloced: 0, peakMalloced: 0 };
  for (const heap of heaps) {
    if (!heap) continue;
    sum.used += heap.used_heap_size;
    sum.total += heap.total_heap_size;
    sum.physical += heap.total_physical_size;
    sum.executable += heap.total_heap_size_executable;
    sum.external += heap.externally_allocated_size;
    sum.malloced += heap.malloced_memory;
    sum.peakMalloced += heap.peak_malloced_memory;
  }
  const main = process.memoryUsage();
  const mainHeap = v8.getHeapStatistics();
  const memory = {
    isolates: sum,
    main: { heapTotal: main.heapTotal, heapUsed: main.heapUsed, external: main.external, malloced: mainHeap.malloced_memory, nativeContexts: mainHeap.number_of_native_contexts, detachedContexts: mainHeap.number_of_detached_contexts, spaces: mainSpaces() },
    ...procFields('smaps_rollup', ['Rss', 'Anonymous', 'Private_Dirty']),
    ...procFields('status', ['Threads', 'RssAnon', 'RssFile']),
  };
  const counts = { contexts: contexts.size, isolates: isolates.size, freeing, heapUsed: sum.used + sum.external, heapTotal: sum.total, made: { contexts: madeContexts, isolates: madeIsolates }, memory };
  process.stderr.write(`atp-bench-probe ${JSON.stringify(counts)}\n`);
});
