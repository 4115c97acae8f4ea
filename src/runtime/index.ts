// What atp.* and api.* do on the host: call planning, the client-scoped cache, error redaction, declarations.

export { HostRuntime, deliveredError, type ApprovalGate, type CallPlan, type CallScope, type DeliveredError, type HostRuntimeOptions } from './calls.js';
export { ClientCache } from './cache.js';
export { redactHostPaths, addHostRoot } from './redact.js';
export { runtimeDeclarations, RUNTIME_SERVICES, type RuntimeService } from './declarations.js';
