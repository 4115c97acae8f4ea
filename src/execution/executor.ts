// The Executor the HTTP layer and `atp exec` use: admission (fair between clients), new executions, and resumes
// that continue in place when the isolate is live here, or by replay from the shared state store otherwise.

import os from 'node:os';
import type Keyv from 'keyv';
import type { Audit, AuditSubject } from '../audit/index.js';
import type { Catalog } from '../catalog/index.js';
import { Provenance, approvalFilter } from '../policy/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import type { Metrics, Telemetry } from '../telemetry/index.js';
import { ClientIsolates, FreshIsolates, IsolatePool, RUNTIME_VERSION, type ClientIsolateInfo, type ClientIsolateLimits, type SandboxSource } from '../sandbox/index.js';
import { ClientCache, HostRuntime, addHostRoot } from '../runtime/index.js';
import { claimFor } from '../store/index.js';
import { Admission, type Refusal } from './admission.js';
import { matchAnswer } from './answers.js';
import { DEFAULT_INLINE_TURNS, Execution, type ExecutionDeps, type Hooks, type InlineTurns } from './execution.js';
import { LivePaused } from './live.js';
import { cancelledError, closingOutcome, internalOutcome, notReplayableOutcome, otherTimeZoneOutcome, standalone, type Outcome } from './outcome.js';
import { ID_PATTERN, newIdentity } from './identity.js';
import { ExecutionStateStore, type ExecutionSpec, type PauseHeader } from './state-store.js';
import {
  CancelConflictError, ExecutionCancelledError, ExecutionNotFoundError, ResumeConflictError,
  type CancelReason, type ExecuteRequest, type ExecutionResult, type Executor, type ResumeAnswer,
} from './types.js';

export interface ExecutorOptions {
  config: Config;
  catalog: Catalog;
  /** Paused executions; share one (Redis) between instances so any of them can resume any execution. */
  stateStore: Keyv;
  /** Backs atp.cache; its keys are prefixed per client. */
  cacheStore: Keyv;
  logger: Logger;
  /**
   * Atomic set-if-absent on the state store across all instances, so each pause is resumed once. By default
   * the store's own claim when stateStore comes from src/store (Redis SET NX, Postgres ON CONFLICT); else SET
   * NX when stateStore is a Redis Keyv; else atomic within this process only.
   */
  claim?: (key: string, ttlMs: number) => Promise<boolean>;
  /** When turns run on the event loop (see InlineTurns); the defaults suit a server, tests shrink them. */
  inlineTurns?: Partial<InlineTurns>;
  /** Where executions, tool calls, logs and progress are recorded (config `audit`). */
  audit?: Audit;
  /** Spans for execution runs and tool calls (config `telemetry`). */
  telemetry?: Telemetry;
  /** Counters, histograms and gauges (config `telemetry.metrics`); none when absent. */
  metrics?: Metrics;
  /** When client isolates are retired (execution.isolation: client); the defaults suit a server, tests shrink them. */
  clientIsolates?: Partial<ClientIsolateLimits>;
}

export interface ExecutorStats {
  running: number;
  queued: number;
  livePaused: number;
  livePausedMemory: number;
  warmIsolates: number;
  /** Isolates held by clients (execution.isolation: client). */
  clientIsolates: number;
}

export interface EngineExecutor extends Executor {
  /** Fills the warm isolate pool; resolves when it is full. */
  warm(): Promise<void>;
  stats(): ExecutorStats;
  /** The isolates a client holds now (none with execution.isolation: execution). */
  isolatesOf(clientId: string): ClientIsolateInfo[];
}

const CLIENT_ISOLATES: ClientIsolateLimits = {
  perClient: Math.max(1, os.availableParallelism()),
  // the isolate collects its ended executions' contexts itself (IsolateHandle.collectAfterGrowth), and a new
  // isolate runs cold: retiring every 100 cost 2.99 ms of CPU per execution, 2.20 with collections and 1,000
  // (bench/sandbox-collection-cost.js); with 1,000 the soak's RSS ended within 5-8% of its figure at 1,000 (bench/soak.js)
  maxExecutions: 1000,
  idleMs: 60_000,
  heapShare: 0.5,
  // beyond perClient busy isolates, executions queue for them while one frees up at least this often; a queue
  // that stalls longer (slow executions hold them) gives way to an isolate each. Measured with 16 in flight from
  // one client on a loaded machine (load 12): 10 ms still built 698 isolates per 3,000 executions (a loaded event
  // loop stalls the queue), 50 ms 213, no limit 31; today's behaviour (no queue) 1,455, at half the throughput
  waitMs: 50,
};

export function createExecutor(options: ExecutorOptions): EngineExecutor {
  return new IsolateExecutor(options);
}

class IsolateExecutor implements EngineExecutor {
  private readonly deps: ExecutionDeps;
  private readonly admission: Admission;
  private readonly pool: IsolatePool;
  private readonly sandboxes: SandboxSource;
  private readonly live: LivePaused<Execution>;
  private readonly states: ExecutionStateStore;
  private readonly running = new Map<Execution, Promise<unknown>>();
  private readonly maxPauseDuration: number;
  private readonly audit?: Audit;
  private readonly telemetry?: Telemetry;
  private readonly metrics?: Metrics;
  private closing = false;
  private readonly unsubscribeCatalog: () => void;
  private readonly timezone: string;

  constructor(options: ExecutorOptions) {
    const { config, catalog, logger } = options;
    const execution = config.execution;
    addHostRoot(config.dir);
    this.timezone = useTimeZone(execution.timezone || 'UTC');
    this.maxPauseDuration = config.state.maxPauseDuration;
    this.audit = options.audit;
    this.telemetry = options.telemetry;
    const metrics = (this.metrics = options.metrics);
    this.admission = new Admission(execution);
    this.pool = new IsolatePool({
      size: execution.pool,
      memoryLimit: execution.memory,
      logger,
      apiIds: apiIdsOf(catalog),
      runtime: {
        maxInFlight: 32,
        maxPendingCallbacks: 1000,
        maxTimers: 1000,
        maxLogChars: 4096,
        maxClockReadings: 100_000,
      },
    });
    this.sandboxes = execution.isolation === 'execution'
      ? new FreshIsolates(this.pool)
      : new ClientIsolates(this.pool, { ...CLIENT_ISOLATES, ...(execution.clientIsolates && { perClient: execution.clientIsolates }), ...options.clientIsolates }, logger);
    // an MCP server's tools/list_changed: new executions see the functions it has now
    this.unsubscribeCatalog = catalog.onChange(() => this.pool.setApi(apiIdsOf(catalog)));
    this.live = new LivePaused<Execution>({ max: config.state.live.max, memory: config.state.live.memory, maxPauseDuration: this.maxPauseDuration });
    const storeClaim = claimFor(options.stateStore);
    const claim = options.claim ?? (storeClaim && ((key: string, ttlMs: number) => storeClaim(key, 1, ttlMs)));
    this.states = new ExecutionStateStore(options.stateStore, { ttl: config.state.ttl, maxPauseDuration: this.maxPauseDuration, claim, metrics });
    this.deps = {
      sandboxes: this.sandboxes,
      runtime: new HostRuntime(catalog, new ClientCache(options.cacheStore, config.cache.defaultTTL), { audit: options.audit, telemetry: options.telemetry, metrics, needsApproval: approvalFilter(config.policies) }),
      states: this.states,
      live: this.live,
      logger,
      maxResultSize: execution.maxResultSize,
      maxLogEntries: execution.maxLogEntries,
      maxLogChars: 4096,
      runtimeVersion: RUNTIME_VERSION,
      inline: { ...DEFAULT_INLINE_TURNS, ...options.inlineTurns },
      metrics,
      ...(options.telemetry && { traceOf: options.telemetry.traceparentOf.bind(options.telemetry) }),
      ...(execution.provenance === 'track' && {
        provenance: new Provenance({ policies: config.policies, store: options.stateStore, ttlMs: config.state.ttl, audit: options.audit, logger, metrics }),
      }),
    };
    if (metrics) this.watchedBy(metrics);
  }

  /** The gauges' sources (read when metrics are collected, never per call). */
  private watchedBy(metrics: Metrics): void {
    metrics.watch({
      executions: () => ({ running: this.admission.active, queued: this.admission.queued, paused: this.live.size }),
      clients: () => this.admission.inFlight(),
      isolates: () => {
        const { warmIsolates, clientIsolates } = this.stats();
        // client isolates serve the client's running and paused executions; otherwise each has its own
        const inUse = this.sandboxes instanceof ClientIsolates ? clientIsolates : this.running.size + this.live.size;
        return { warm: warmIsolates, live: warmIsolates + inUse, built: this.pool.builtCount };
      },
    });
  }

  warm(): Promise<void> {
    return this.pool.fill();
  }

  stats(): ExecutorStats {
    return {
      running: this.admission.active,
      queued: this.admission.queued,
      livePaused: this.live.size,
      livePausedMemory: this.live.memoryUsed,
      warmIsolates: this.pool.size,
      clientIsolates: this.sandboxes instanceof ClientIsolates ? this.sandboxes.count : 0,
    };
  }

  isolatesOf(clientId: string): ClientIsolateInfo[] {
    return this.sandboxes instanceof ClientIsolates ? this.sandboxes.isolatesOf(clientId) : [];
  }

  async execute(request: ExecuteRequest): Promise<ExecutionResult> {
    const { id, seed } = newIdentity();
    const subject = { executionId: id, clientId: request.clientId };
    const run = () => this.start(request, subject, seed);
    return this.telemetry ? this.telemetry.run(subject, 'execute', run) : run();
  }

  async resume(executionId: string, clientId: string, answer: ResumeAnswer, hooks: Hooks = {}): Promise<ExecutionResult> {
    if (typeof executionId !== 'string' || !ID_PATTERN.test(executionId)) throw new ExecutionNotFoundError();
    const subject = { executionId, clientId };
    const run = () => this.continue(subject, answer, hooks);
    return this.telemetry ? this.telemetry.run(subject, 'resume', run) : run();
  }

  private async start(request: ExecuteRequest, subject: AuditSubject, seed: number[]): Promise<ExecutionResult> {
    const id = subject.executionId;
    if (this.closing) return this.audited(subject, this.refused(id, closingOutcome()));
    const slot = this.admission.acquire(request.clientId);
    if (typeof slot === 'string') return this.audited(subject, this.refused(id, this.rateLimited(slot, request.clientId)));
    const release = await slot;
    try {
      if (this.closing) return this.audited(subject, this.refused(id, closingOutcome()));
      const spec: ExecutionSpec = {
        id,
        clientId: request.clientId,
        code: request.code,
        limits: { ...request.limits },
        services: { ...request.services },
        clientTools: request.clientTools,
        ...(request.allowedApis && { allowedApis: request.allowedApis }),
        allowLLMCalls: request.allowLLMCalls ?? true,
        ...(request.authorization === 'pause' && { authorization: 'pause' as const }),
        seed,
        timezone: this.timezone,
        createdAt: Date.now(),
      };
      const auditRefusal = await this.audit?.executionStarted(subject, request.code);
      if (auditRefusal) return this.audited(subject, this.refused(id, auditRefusal));
      const execution = new Execution(spec, this.deps, this.hooks(subject, { onLog: request.onLog, onProgress: request.onProgress }));
      // told once it is held as running: a cancel made from onStart reaches it
      const started = request.onStart && (() => this.told(() => request.onStart!(id)));
      return this.audited(subject, await this.track(execution, () => execution.run(), started));
    } finally {
      release();
    }
  }

  private async continue(subject: AuditSubject, answer: ResumeAnswer, hooks: Hooks): Promise<ExecutionResult> {
    const { executionId, clientId } = subject;
    if (this.closing) return this.audited(subject, this.refused(executionId, closingOutcome()));
    hooks = this.hooks(subject, hooks);
    // checked before waiting for a slot: a bad answer never consumes the pause
    const local = this.live.peek(executionId);
    if (local && local.clientId !== clientId) throw new ExecutionNotFoundError();
    let header = local ? undefined : await this.header(executionId, clientId);
    let values = matchAnswer(answer, local ? local.pending() : header!.callbacks);
    const auditRefusal = this.audit?.refusal(); // before the claim: the pause stays, to be answered again (so no end event)
    if (auditRefusal) return this.refused(executionId, auditRefusal);
    // a resume waits its turn under its client like a new execution: pausing gave the slot back
    const slot = this.admission.acquire(clientId);
    if (typeof slot === 'string') return this.audited(subject, this.refused(executionId, this.rateLimited(slot, clientId)));
    const release = await slot;
    try {
      if (local) {
        if (await this.states.claim(executionId, local.pauseSeq)) {
          // a finished execution's claims go with its state: a claim won after that is no proof of a live pause
          const current = await this.states.header(executionId);
          if (!current || current.seq !== local.pauseSeq) {
            this.drop(executionId, local);
            throw await this.conflict(executionId, clientId, new ExecutionNotFoundError());
          }
          this.traceAnswered(subject, current);
          const execution = this.live.take(executionId);
          if (execution === local && execution.reclaim()) {
            this.audit?.executionResumed(subject, 'live', { callbacks: execution.pending(), values, apiKeyId: answer.apiKeyId });
            return this.audited(subject, await this.track(execution, () => execution.resume(values, hooks)));
          }
          // spilled while we claimed it, or its isolate is retired or runs another execution of the client: the
          // claim is ours, so replay it
          if (execution === local) execution.spill('evicted');
          return this.audited(subject, await this.replayAndResume(await this.header(executionId, clientId), values, hooks, answer.apiKeyId));
        }
        const current = await this.states.header(executionId);
        this.drop(executionId, local);
        if (!current) throw await this.conflict(executionId, clientId, new ExecutionNotFoundError());
        if (current.seq === local.pauseSeq) throw await this.conflict(executionId, clientId, new ResumeConflictError());
        // our live copy is stale: the execution was resumed elsewhere and paused again
        header = await this.header(executionId, clientId);
        values = matchAnswer(answer, header.callbacks);
      }
      // checked before claiming: this instance cannot replay it, but one with the right time zone still can
      if (header!.timezone !== undefined && header!.timezone !== this.timezone) {
        return this.audited(subject, this.refused(executionId, otherTimeZoneOutcome(header!.timezone, this.timezone), header));
      }
      if (!(await this.states.claim(executionId, header!.seq))) throw await this.conflict(executionId, clientId, new ResumeConflictError());
      this.traceAnswered(subject, header!);
      return this.audited(subject, await this.replayAndResume(header!, values, hooks, answer.apiKeyId));
    } finally {
      release();
    }
  }

  async cancel(executionId: string, clientId: string, reason: CancelReason = 'request'): Promise<ExecutionResult> {
    if (typeof executionId !== 'string' || !ID_PATTERN.test(executionId)) throw new ExecutionNotFoundError();
    const running = this.runningOf(executionId);
    if (running) return this.cancelRunning(running, clientId, reason);
    const local = this.live.peek(executionId);
    if (local && local.clientId !== clientId) throw new ExecutionNotFoundError();
    const header = await this.header(executionId, clientId);
    // the pause is claimed as a resume would claim it: a resume racing this cancel loses, and is told why
    if (!(await this.states.claim(executionId, header.seq))) {
      const resumed = this.runningOf(executionId);
      if (resumed) return this.cancelRunning(resumed, clientId, reason);
      throw await this.conflict(executionId, clientId, new CancelConflictError());
    }
    await this.states.markCancelled(executionId, { clientId, at: Date.now(), reason });
    const subject = { executionId, clientId };
    const error = cancelledError(reason);
    const held = local && local.pauseSeq === header.seq && this.live.peek(executionId) === local ? this.live.take(executionId) : undefined;
    if (held?.isPaused) return this.audited(subject, await held.cancel(error));
    if (local) this.drop(executionId, local);
    await this.states.forget(executionId, header.segments);
    this.metrics?.executionEnded('cancelled', header.usedMs, header.counters.tools ?? 0);
    return this.audited(subject, standalone(executionId, { status: 'cancelled', error }, header));
  }

  /** The execution with this id running here (not paused), if any. */
  private runningOf(executionId: string): Execution | undefined {
    for (const execution of this.running.keys()) if (execution.id === executionId && !execution.isPaused) return execution;
    return undefined;
  }

  /** Its run or resume request answers the result (and audits it); this answers the same. */
  private async cancelRunning(execution: Execution, clientId: string, reason: CancelReason): Promise<ExecutionResult> {
    if (execution.clientId !== clientId) throw new ExecutionNotFoundError();
    const result = await execution.cancel(cancelledError(reason));
    if (result.status === 'cancelled') await this.states.markCancelled(execution.id, { clientId, at: Date.now(), reason });
    return result;
  }

  /** `otherwise`, unless the client cancelled the execution: then a resume or cancel is refused saying so. */
  private async conflict(executionId: string, clientId: string, otherwise: Error): Promise<Error> {
    const cancelled = await this.states.cancelled(executionId);
    return cancelled?.clientId === clientId ? new ExecutionCancelledError(cancelled.at) : otherwise;
  }

  private told(send: () => void): void {
    try {
      send();
    } catch (error) {
      this.deps.logger.warn('a start listener threw', { error: (error as Error).message });
    }
  }

  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    this.unsubscribeCatalog();
    const inFlight = [...this.running.values()];
    if (inFlight.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(inFlight), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    for (const execution of this.running.keys()) void execution.cancel({ message: 'the server is shutting down; run the code again on another instance', code: 'EXECUTION_FAILED', retryable: true });
    this.live.close();
    await this.sandboxes.close();
    await this.pool.close();
  }

  /** The latest pause of an execution owned by this client, or ExecutionNotFoundError. */
  private async header(id: string, clientId: string): Promise<PauseHeader> {
    const header = await this.states.header(id);
    if (!header || header.clientId !== clientId || Date.now() - header.pausedAt > this.maxPauseDuration) {
      throw await this.conflict(id, clientId, new ExecutionNotFoundError());
    }
    return header;
  }

  private async replayAndResume(header: PauseHeader, values: Map<number, unknown>, hooks: Hooks, apiKeyId?: string): Promise<ExecutionResult> {
    const forget = () => this.states.forget(header.id, header.segments).catch(() => undefined);
    if (header.runtime !== RUNTIME_VERSION) {
      await forget();
      return this.refused(header.id, notReplayableOutcome('it was paused by a different version of the server'), header);
    }
    if (header.issue) {
      await forget();
      return this.refused(header.id, notReplayableOutcome(header.issue), header);
    }
    const journal = await this.states.journal(header);
    if (!journal || journal.spec.clientId !== header.clientId) throw new ExecutionNotFoundError();
    const execution = new Execution(journal.spec, this.deps, hooks);
    this.audit?.executionResumed({ executionId: header.id, clientId: header.clientId }, 'replay', { callbacks: header.callbacks, values, apiKeyId });
    return this.track(execution, async () => {
      const failed = await execution.restore(header, journal.segments);
      return failed ?? execution.resume(values, hooks);
    });
  }

  private async track(execution: Execution, work: () => Promise<ExecutionResult>, started?: () => void): Promise<ExecutionResult> {
    const promise = work().catch((error: Error) => {
      this.deps.logger.error('execution failed unexpectedly', { execution: execution.id, error: error.message });
      void execution.cancel({ message: 'the execution failed inside the server', code: 'EXECUTION_FAILED', retryable: true });
      return standalone(execution.id, internalOutcome('unexpected error'));
    });
    this.running.set(execution, promise);
    started?.();
    try {
      return await promise;
    } finally {
      this.running.delete(execution);
    }
  }

  /** The hooks with the agent's logs and progress recorded in the audit trail too. */
  private hooks(subject: AuditSubject, hooks: Hooks): Hooks {
    const audit = this.audit;
    if (!audit) return hooks;
    return {
      onLog: (event) => {
        audit.output(subject, 'log', event);
        hooks.onLog?.(event);
      },
      onProgress: (event) => {
        audit.output(subject, 'progress', event);
        hooks.onProgress?.(event);
      },
    };
  }

  /** Records how a request left the execution (paused, or ended) and returns its result. */
  private audited(subject: AuditSubject, result: ExecutionResult): ExecutionResult {
    if (!this.audit) return result;
    if (result.status === 'paused') {
      this.audit.executionPaused(subject, result.needsCallbacks ?? (result.needsCallback ? [result.needsCallback] : []));
      return result;
    }
    const { stats, error } = result;
    this.audit.executionEnded(subject, {
      status: result.status, ms: stats.duration, llmCalls: stats.llmCallsCount, approvals: stats.approvalCallsCount,
      ...(result.result !== undefined && { result: result.result }),
      ...(error && { error: { message: error.message, ...(error.code && { code: error.code }) } }),
    });
    return result;
  }

  /** The wait for the client, as a span from the pause to this resume (tracing on). */
  private traceAnswered(subject: AuditSubject, header: PauseHeader): void {
    if (!this.telemetry) return;
    const callbacks = header.callbacks.map((callback) => `${callback.request.type}.${callback.request.operation}`);
    this.telemetry.pauseAnswered(subject, { seq: header.seq, pausedAt: header.pausedAt, callbacks, ...(header.trace && { traceparent: header.trace }) });
  }

  /** A result for an execution answered without running here (refused, or no longer resumable), counted by status. */
  private refused(id: string, outcome: Outcome, header?: PauseHeader): ExecutionResult {
    this.metrics?.executionRefused(outcome.status);
    return standalone(id, outcome, header);
  }

  private drop(id: string, execution: Execution): void {
    if (this.live.peek(id) === execution) this.live.take(id);
    execution.spill('evicted');
  }

  private rateLimited(refusal: Refusal, clientId: string): Outcome {
    const { clientConcurrency, clientQueue } = this.admission.limits;
    const { running, queued } = this.admission.usage(clientId);
    const message = refusal === 'client'
      ? `this client has ${running} executions running and ${queued} waiting, its limit (execution.clientConcurrency ${clientConcurrency}, execution.clientQueue ${clientQueue}); wait for one to finish before starting another`
      : `this server is running ${this.admission.active} executions with ${this.admission.queued} more waiting, its limit; retry in a moment`;
    return {
      status: 'rate_limited',
      error: {
        message,
        code: 'CONCURRENT_LIMIT_EXCEEDED',
        retryable: true,
      },
    };
  }
}

/**
 * Makes `zone` the time zone of every isolate built from now on, and returns it. V8 takes it from the process
 * (TZ), so it is set there: the server itself writes times in UTC (toISOString) and is not affected.
 */
function useTimeZone(zone: string): string {
  if (process.env.TZ !== zone) process.env.TZ = zone;
  return zone;
}

function apiIdsOf(catalog: Catalog): string[] {
  return [...catalog.entries()].map((entry) => entry.id);
}

