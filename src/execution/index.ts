// The execution engine: run agent code, pause for the client, resume in place or by replay elsewhere.
//
// Use (the daemon builds it once from the config; `atp exec` does the same for one run):
//
//   const executor = createExecutor({ config, catalog, stateStore, cacheStore, logger, claim });
//   await executor.warm();                                  // optional: fill the warm isolate pool
//   let result = await executor.execute({ code, clientId, limits, services, clientTools, onLog, onProgress });
//   while (result.status === 'paused') {                    // needsCallback, or needsCallbacks with ids
//     result = await executor.resume(result.executionId, clientId, { result: answer });
//   }
//   await executor.close(10_000);                           // on SIGTERM: finish in-flight work, free isolates
//
// `stateStore` holds paused executions (share one Redis or Postgres between instances to resume anywhere);
// `cacheStore` backs atp.cache. A pause is claimed once across instances with the store's atomic claim when
// stateStore is a src/store Keyv (else `claim`, else SET NX on a Redis Keyv, else within this process).
// `limits` must already be clamped to config.execution's maxima.
// resume() throws ExecutionNotFoundError (404), ResumeConflictError (409), ResumeInputError (400) or
// ExecutionCancelledError (409); every other outcome is an ExecutionResult. cancel(id, clientId) ends the
// client's own execution, running or paused (request.onStart gives a running one's id). Each error carries its
// HTTP `status` and `expose`. runtimeDeclarations(apis) gives the atp.* declarations for /api/runtime.
//
// How it works:
// - Each execution gets a new context with the runtime bootstrapped in it (src/sandbox): in an isolate of its
//   client (execution.isolation: client) or a fresh one from a warm pool (execution); nothing of one execution
//   is visible to another.
// - Every entry into the isolate is a turn: the first run, then batches of deliveries (call results, errors,
//   timer firings). The journal records each turn's deliveries in order, the calls the code made (operation,
//   function, hash of the arguments), and the clock readings; Math.random is seeded from the journal.
// - When nothing runs on the host and a snapshot proves the isolate idle, the execution pauses if client
//   callbacks are pending (several at once are one batch), or ends as stalled if nothing can wake it. At each
//   pause, what the journal gained since the last one is written as one segment, then a small header.
// - A resume on the instance that holds the isolate continues it in place. Elsewhere (or after the isolate
//   was spilled by state.live bounds or expired) a fresh isolate replays the journal: the same turns, the same
//   clock and randomness, no call made again, each call checked against the journal (divergence fails
//   clearly with REPLAY_DIVERGED). Each pause can be claimed once, on any instance.

export * from './types.js';
export { createExecutor, type EngineExecutor, type ExecutorOptions, type ExecutorStats } from './executor.js';
export { runtimeDeclarations, RUNTIME_SERVICES, type RuntimeService } from '../runtime/index.js';
