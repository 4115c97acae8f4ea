// The execution engine: run agent code, pause for the client, resume in place or by replay elsewhere.
//
// Use (the daemon builds it once from the config; `atp exec` does the same for one run):
//
//   const executor = createExecutor({ config, catalog, stateStore, cacheStore, logger });
//   await executor.warm();                                  // optional: fill the warm isolate pool
//   let result = await executor.execute({ code, clientId, limits, services, clientTools, onLog, onProgress });
//   while (result.status === 'paused') {                    // needsCallback, or needsCallbacks with ids
//     result = await executor.resume(result.executionId, clientId, { result: answer });
//   }
//   await executor.close(10_000);                           // on SIGTERM: finish in-flight work, free isolates
//
// `stateStore` holds paused executions (share one Redis between instances to resume anywhere); `cacheStore`
// backs atp.cache. `limits` must already be clamped to config.execution's maxima. resume() throws
// ExecutionNotFoundError (404), ResumeConflictError (409) or ResumeInputError (400); every other outcome is an
// ExecutionResult. runtimeDeclarations(apis) from src/runtime gives the atp.* declarations for /api/runtime.

export * from './types.js';
export { createExecutor, type EngineExecutor, type ExecutorOptions, type ExecutorStats } from './executor.js';
export { runtimeDeclarations, RUNTIME_SERVICES, type RuntimeService } from '../runtime/index.js';
