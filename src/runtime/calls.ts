// What a call from the sandbox does on the host. The sandbox only marshals; every rule is checked here:
// which functions exist and are allowed, which services the client provides, the LLM-call budget.

import type { Audit } from '../audit/index.js';
import type { Catalog, CatalogEntry } from '../catalog/index.js';
import type { CallbackRequest, ClientServices, ClientToolDefinition, ExecutionStatus } from '../execution/types.js';
import type { Decision, ProvenanceTracker } from '../policy/index.js';
import type { Metrics, Telemetry } from '../telemetry/index.js';
import type { ClientCache } from './cache.js';
import { redactHostPaths } from './redact.js';

export interface CallScope {
  executionId: string;
  clientId: string;
  services: ClientServices;
  /** Client tools by `namespace.name`. */
  clientTools: ReadonlyMap<string, ClientToolDefinition>;
  isAllowed(functionId: string): boolean;
  allowLLMCalls: boolean;
  llmLimit: number;
  /** Calls made so far: atp.llm calls, approvals asked, catalog functions called (kept with each pause). */
  counters: { llm: number; approval: number; tools: number };
  /** Where each value in the sandbox came from, and the data-flow rules (execution.provenance: track). */
  provenance?: ProvenanceTracker;
  onToolProgress?(message: string, fraction?: number): void;
}

/** An error thrown inside the sandbox at the awaiting call. */
export interface DeliveredError {
  message: string; status?: number; code?: string; retryable?: boolean; callback?: boolean;
  /** AUTHORIZATION_REQUIRED: where the person signs in to the group. */
  authorizationUrl?: string;
}

/**
 * A call to a catalog function that waits for a person's approval before it runs: policies.requireApproval, or
 * `rules`, the data-flow rules that sent it for approval.
 */
export interface ApprovalGate {
  fn: string; input: unknown; rules?: string[];
  /** The call needs the person to sign in first (AUTHORIZATION_REQUIRED): approved means they have, so it runs again. */
  signIn?: { authorizationUrl: string };
}

export type CallPlan =
  /** Work on this server; its JSON result (or error) is delivered when it settles. */
  | { kind: 'server'; label: string; run(signal: AbortSignal): Promise<unknown> }
  /**
   * Needs the client: the execution pauses once nothing else is running. With `gate`, the answer is an
   * approval, and what enters the sandbox is the function's result if approved (approvedCall), else an error.
   */
  | { kind: 'callback'; request: CallbackRequest; gate?: ApprovalGate }
  | { kind: 'reject'; error: DeliveredError }
  /** Ends the execution with this outcome. */
  | { kind: 'end'; status: ExecutionStatus; code: string; message: string };

const SERVICE: Record<string, { flag: keyof ClientServices; type: CallbackRequest['type']; provide: string }> = {
  llm: { flag: 'hasLLM', type: 'llm', provide: 'client.provideLLM' },
  approval: { flag: 'hasApproval', type: 'approval', provide: 'client.provideApproval' },
  embedding: { flag: 'hasEmbedding', type: 'embedding', provide: 'client.provideEmbedding' },
};

const tampered = (what: string): CallPlan => ({
  kind: 'end', status: 'security_violation', code: 'SECURITY_VIOLATION',
  message: `the sandbox runtime was bypassed (${what}); the execution was stopped`,
});

export interface HostRuntimeOptions {
  audit?: Audit;
  /** A span per tool call (config `telemetry`). */
  telemetry?: Telemetry;
  /** Tool call durations and errors by group (config `telemetry.metrics`). */
  metrics?: Metrics;
  /** Catalog functions whose calls first ask the client for a person's approval (policies.requireApproval). */
  needsApproval?: (id: string) => boolean;
}

export class HostRuntime {
  /** What observes each catalog call (audit, tracing, metrics), when anything does. */
  private readonly watchers?: Watchers;
  private readonly needsApproval?: (id: string) => boolean;

  constructor(
    private readonly catalog: Catalog,
    private readonly cache: ClientCache,
    options: HostRuntimeOptions = {},
  ) {
    const { audit, telemetry } = options;
    const { metrics } = options;
    if (audit || telemetry || metrics) this.watchers = { audit, telemetry, metrics };
    this.needsApproval = options.needsApproval;
  }

  plan(op: string, name: string, args: unknown, scope: CallScope): CallPlan {
    switch (op) {
      case 'api': return this.serverTool(name, args, scope);
      case 'tool': return this.clientTool(name, args, scope);
      case 'cache.get': case 'cache.set': case 'cache.has': case 'cache.delete': return this.cacheCall(op, args, scope);
      case 'llm.call': case 'llm.extract': case 'llm.classify': return this.llm(op.slice(4), args, scope);
      case 'approval.request': return this.service('approval', 'request', args, scope);
      case 'embedding.embed': case 'embedding.search': return this.service('embedding', op.slice(10), args, scope);
      default: return tampered(`unknown operation ${JSON.stringify(op).slice(0, 60)}`);
    }
  }

  /** The call a person approved (a `gate` answered yes): it runs now, checked again against the catalog and scope. */
  approvedCall(gate: ApprovalGate, scope: CallScope): CallPlan {
    return this.serverTool(gate.fn, gate.input, scope, true);
  }

  private serverTool(id: string, input: unknown, scope: CallScope, approved = false): CallPlan {
    const entry = this.catalog.get(id);
    if (!entry) return { kind: 'reject', error: { message: `api.${id} does not exist; see /api/definitions for the functions this server has` } };
    if (!scope.isAllowed(id)) return this.denied(scope, id, 'allowedApis', forbidden(`api.${id}`));
    const auditRefusal = this.watchers?.audit?.refusal(); // audit.onFailure reject: no call while the trail cannot be written
    if (auditRefusal) return { kind: 'end', status: 'failed', code: auditRefusal.error.code, message: auditRefusal.error.message };
    const value = input ?? {};
    // what a person approved is not checked again: the approval was asked for with the reason
    const decision = approved ? undefined : scope.provenance?.check(id, value, entry.tool.annotations.readOnly === true);
    if (decision?.action === 'block') return { kind: 'reject', error: { message: `${decision.message}; the call was not made`, code: 'SECURITY_VIOLATION' } };
    if (!approved && (decision?.action === 'approve' || this.needsApproval?.(id))) {
      // input first: a person is never asked to approve a call the function would refuse
      const invalid = refusal(entry, value);
      if (!invalid) return this.askApproval(id, value, scope, decision?.action === 'approve' ? decision : undefined);
      return this.serverCall(entry, value, scope, () => Promise.reject(invalid));
    }
    return this.serverCall(entry, value, scope, (signal, trace) => entry.tool.invoke(value, {
      signal, executionId: scope.executionId, clientId: scope.clientId, onProgress: scope.onToolProgress, ...(trace && { trace }),
    }));
  }

  /** A call that runs here, audited, traced and measured when those are on; a refused input fails in it like any error. */
  private serverCall(entry: CatalogEntry, input: unknown, scope: CallScope, run: Invocation): CallPlan {
    scope.counters.tools++;
    const watched = this.watchers ? observed(entry, input, scope, run, this.watchers) : run;
    return { kind: 'server', label: `api.${entry.id}`, run: watched };
  }

  /** `decision`: the data-flow rules that want the approval (else policies.requireApproval does). */
  private askApproval(id: string, input: unknown, scope: CallScope, decision?: Decision): CallPlan {
    if (!scope.services.hasApproval) {
      if (decision) {
        return { kind: 'reject', error: { code: 'SECURITY_VIOLATION', message: `${decision.message}; the rule asks a person's approval, and this client provides no approval service (client.provideApproval), so the call was not made` } };
      }
      return { kind: 'reject', error: { callback: true, message: `api.${id} needs a person's approval first (policies.requireApproval), and this client provides no approval service (client.provideApproval)` } };
    }
    scope.counters.approval++;
    // held by a data-flow rule, the call is already a policy.violation (decision: approval requested)
    if (!decision) this.watchers?.audit?.policy(scope, { event: 'gated', function: id, by: 'requireApproval' });
    const message = decision ? `Allow the call api.${id}? ${decision.message}` : `Allow the call api.${id}?`;
    const context = { function: `api.${id}`, input, ...(decision && { rules: decision.rules, reason: decision.message, dataFrom: decision.origins }) };
    const request: CallbackRequest = { type: 'approval', operation: 'request', payload: { message, context } };
    return { kind: 'callback', request, gate: { fn: id, input, ...(decision && { rules: decision.rules }) } };
  }

  private clientTool(key: string, input: unknown, scope: CallScope): CallPlan {
    const tool = scope.clientTools.get(key);
    if (!tool) return tampered(`unknown client tool ${key.slice(0, 100)}`);
    if (!scope.isAllowed(key)) return this.denied(scope, key, 'allowedApis', forbidden(`api.${key}`));
    return { kind: 'callback', request: { type: 'tool', operation: 'call', payload: { toolName: tool.name, namespace: tool.namespace ?? 'client', input: input ?? {} } } };
  }

  private llm(operation: string, payload: unknown, scope: CallScope): CallPlan {
    if (!scope.allowLLMCalls) return this.denied(scope, `llm.${operation}`, 'allowLLMCalls', forbidden(`atp.llm.${operation}`, 'LLM calls are not allowed in this execution (allowLLMCalls is false)'));
    const plan = this.service('llm', operation, payload, scope);
    if (plan.kind !== 'callback') return plan;
    if (scope.counters.llm >= scope.llmLimit) {
      return {
        kind: 'end', status: 'llm_calls_exceeded', code: 'LLM_CALL_LIMIT_EXCEEDED',
        message: `the code made more than ${scope.llmLimit} atp.llm calls, the limit of this execution; make fewer calls (batch prompts) or ask for a higher maxLLMCalls`,
      };
    }
    scope.counters.llm++;
    return plan;
  }

  private service(name: keyof typeof SERVICE, operation: string, payload: unknown, scope: CallScope): CallPlan {
    if (!isObject(payload)) return tampered(`malformed ${name} call`);
    const service = SERVICE[name];
    if (!scope.services[service.flag]) {
      return { kind: 'reject', error: { callback: true, message: `${name} service not provided by client: atp.${name}.${operation} needs a client that provides it (${service.provide})` } };
    }
    if (name === 'approval') scope.counters.approval++;
    return { kind: 'callback', request: { type: service.type, operation, payload } };
  }

  /** A call the execution's own limits refuse, recorded as a policy decision (policy.denied). */
  private denied(scope: CallScope, fn: string, by: 'allowedApis' | 'allowLLMCalls', plan: CallPlan): CallPlan {
    this.watchers?.audit?.policy(scope, { event: 'denied', function: fn, by });
    return plan;
  }

  private cacheCall(op: string, args: unknown, scope: CallScope): CallPlan {
    if (!isObject(args) || typeof args.key !== 'string' || args.key.length === 0 || args.key.length > 512) return tampered('malformed cache call');
    const key = args.key;
    const cache = this.cache;
    const run = {
      'cache.get': () => cache.get(scope.clientId, key),
      'cache.has': () => cache.has(scope.clientId, key),
      'cache.delete': () => cache.delete(scope.clientId, key),
      'cache.set': async () => {
        const ttl = typeof args.ttlSeconds === 'number' && args.ttlSeconds > 0 ? args.ttlSeconds : undefined;
        await cache.set(scope.clientId, key, args.value === undefined ? null : args.value, ttl);
        return undefined;
      },
    }[op]!;
    return { kind: 'server', label: `atp.${op}`, run };
  }
}

/** A tool's failure as the sandbox sees it: its message (without host paths), HTTP status and code if any. */
export function deliveredError(error: unknown, label: string): DeliveredError {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const message = redactHostPaths(raw.trim() || `${label} failed without a message`);
  const out: DeliveredError = { message: message.length > 4000 ? message.slice(0, 4000) + '…' : message };
  const status = (error as { status?: unknown })?.status;
  const code = (error as { code?: unknown })?.code;
  if (typeof status === 'number' && Number.isInteger(status)) out.status = status;
  const retryable = (error as { retryable?: unknown })?.retryable;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) out.code = code;
  if (typeof retryable === 'boolean') out.retryable = retryable;
  const authorizationUrl = (error as { authorizationUrl?: unknown })?.authorizationUrl;
  if (typeof authorizationUrl === 'string' && /^https?:\/\//i.test(authorizationUrl)) out.authorizationUrl = authorizationUrl;
  return out;
}

/** The error the function would refuse this input with, found without running it; undefined when it takes it. */
function refusal(entry: CatalogEntry, input: unknown): Error | undefined {
  try {
    return entry.tool.checkInput?.(input);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error)); // invoke would fail the same way
  }
}

interface Watchers { audit?: Audit; telemetry?: Telemetry; metrics?: Metrics }

/** A catalog function's call; `trace`: the W3C trace context of its span, for the upstream request (tracing on). */
type Invocation = (signal: AbortSignal, trace?: Readonly<Record<string, string>>) => Promise<unknown>;

/**
 * The call, recorded in the audit trail, traced as a span under its execution's run (its trace context passed on
 * to the upstream) and measured in the metrics, whichever are on. Settled by then() rather than in an async
 * function, and the audit record made only for the audit: what metrics alone add to a call stays small.
 */
function observed(entry: CatalogEntry, input: unknown, scope: CallScope, run: Invocation, watchers: Watchers) {
  const { audit, telemetry, metrics } = watchers;
  const group = entry.group.name;
  const record = audit && { function: entry.id, group, kind: entry.group.kind, source: entry.tool.sourceName, input };
  return (signal: AbortSignal): Promise<unknown> => {
    const started = performance.now();
    const span = telemetry?.toolCall(scope, { fn: entry.id, group, kind: entry.group.kind, source: entry.tool.sourceName });
    let call: Promise<unknown>;
    try {
      call = run(signal, span?.context);
    } catch (error) {
      call = Promise.reject(error);
    }
    return call.then((result) => {
      const ms = elapsed(started);
      span?.end();
      metrics?.toolCall(group, ms);
      if (record) audit!.toolCall(scope, { ...record, ms, result });
      return result;
    }, (error: unknown) => {
      const { message, code, status } = deliveredError(error, `api.${entry.id}`);
      const ms = elapsed(started);
      span?.end({ message, ...(code && { code }) });
      metrics?.toolCall(group, ms, code ?? 'other');
      if (record) audit!.toolCall(scope, { ...record, ms, error: { message, ...(code && { code }), ...(status !== undefined && { status }) } });
      throw error;
    });
  };
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 1000) / 1000;

function forbidden(label: string, message = `${label} is not allowed in this execution (allowedAPIs)`): CallPlan {
  return { kind: 'end', status: 'security_violation', code: 'FORBIDDEN_OPERATION', message: `${message}; the execution was stopped` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
