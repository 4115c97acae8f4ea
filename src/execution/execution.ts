// One execution's life: run turns in its isolate, serve its calls, pause when only the client can go on,
// continue in place on resume, or rebuild itself elsewhere by replaying its journal. Each entry into the
// isolate is a "turn"; the journal records every turn's deliveries in order, which is what replay repeats.
// The parts it holds together: turns.ts (how a turn enters the sandbox), posts.ts (what comes out of it),
// host-calls.ts, timers.ts, clock.ts, replay.ts, output.ts, approvals.ts, give-back.ts. Decided here: when the
// sandbox is idle (a snapshot proves it), when to pause, and how the execution ends.

import picomatch from 'picomatch';
import type { Logger } from '../logging/index.js';
import type { Provenance } from '../policy/index.js';
import type { Metrics } from '../telemetry/index.js';
import { CodeSyntaxError, ScriptCompileError, transpile, type Sandbox, type SandboxSource, type SandboxSetup, type Transpiled, type TurnFailure } from '../sandbox/index.js';
import { deliveredError, type ApprovalGate, type CallPlan, type CallScope, type HostRuntime } from '../runtime/index.js';
import { answerDeliveries, pauseFields, resultDelivery } from './answers.js';
import { ERR, Journal, OK, TIMER, replayPlan, type Delivery, type ReplayPlan, type Segment } from './journal.js';
import { ReplayVerifier } from './replay.js';
import type { LiveEntry, LivePaused } from './live.js';
import { ExecutionOutput, type Hooks } from './output.js';
import { signInRequest, verdictOf } from './approvals.js';
import { callArguments, decodePost, type SandboxPost } from './posts.js';
import { HostTimers } from './timers.js';
import { EventLoopTurns, ThreadTurns, type InlineTurns, type TurnHost, type TurnPath } from './turns.js';
import { HostCalls } from './host-calls.js';
import { giveBack } from './give-back.js';
import { ExecutionClock } from './clock.js';
import {
  divergedOutcome, internalOutcome, memoryOutcome, parseErrorOutcome, stalledOutcome, thrownOutcome, timeoutOutcome, tooLargeOutcome, type Outcome,
} from './outcome.js';
import type { ExecutionSpec, ExecutionStateStore, FrozenTimer, PauseHeader, PendingCallback } from './state-store.js';
import type { ExecutionError, ExecutionResult } from './types.js';

export type { Hooks } from './output.js';
export { DEFAULT_INLINE_TURNS, type InlineTurns } from './turns.js';

export interface ExecutionDeps {
  /** Where a Sandbox comes from and goes back to (execution.isolation). */
  sandboxes: SandboxSource;
  runtime: HostRuntime;
  states: ExecutionStateStore;
  live: LivePaused<Execution>;
  logger: Logger;
  maxResultSize: number;
  maxLogEntries: number;
  maxLogChars: number;
  /** Version of the sandbox runtime, stored with each pause; replay requires the same. */
  runtimeVersion: string;
  inline: InlineTurns;
  /** Data-flow rules (execution.provenance: track): each execution gets a tracker of where its values came from. */
  provenance?: Provenance;
  /** Executions ended and paused (config `telemetry.metrics`). */
  metrics?: Metrics;
  /** The W3C traceparent of an execution's run in progress (config `telemetry`), kept with each pause. */
  traceOf?: (executionId: string) => string | undefined;
}

/** Calls of any kind in flight on the host for one execution; the sandbox keeps below this on its own. */
const MAX_SERVER_CALLS = 256;
const MAX_TIMERS = 10_000;
/** After a turn sent without waiting, how long to wait for the sandbox's next call before checking it is idle. */
const PROBE_DELAY_MS = 1;
/**
 * Flushes in a row that run as microtasks before one waits for a pass of the event loop. A host that answers
 * at once (a module tool, the cache) and turns that hand their posts over when they end would otherwise chain
 * call after call without a pass, holding timers, I/O and every other execution back.
 */
const FLUSHES_PER_PASS = 32;

interface Replay {
  plan: ReplayPlan; dispatched: boolean; verifier: ReplayVerifier; callbacks: PendingCallback[]; timers: FrozenTimer[];
  /** Rebuilding a running program (see moveOffThread): at the end it goes on running, rather than pausing. */
  thenRun?: boolean;
}

export class Execution implements LiveEntry {
  readonly id: string;
  readonly spec: ExecutionSpec;
  private state: 'new' | 'running' | 'pausing' | 'paused' | 'finished' = 'new';
  private sandbox?: Sandbox;
  private code?: Transpiled;
  private readonly output: ExecutionOutput;
  private journal = new Journal();
  private readonly scope: CallScope;
  /** The two ways a turn enters the sandbox: on this thread while turns are short, else on isolated-vm's. */
  private readonly loop: EventLoopTurns;
  private readonly threads: ThreadTurns;
  /** Counts live events (calls, deliveries); a snapshot proves idleness only if none happened meanwhile. */
  private activity = 0;
  private probeTimer?: NodeJS.Timeout;
  private probing = false;
  private outbox: Delivery[] = [];
  private flushScheduled = false;
  /** Flushes scheduled as microtasks since the last one scheduled for the next pass of the event loop. */
  private microFlushes = 0;
  /** Calls running on the host; aborted when the execution ends. */
  private readonly serverCalls = new HostCalls(MAX_SERVER_CALLS);
  private callbacks = new Map<number, PendingCallback>();
  private readonly timers = new HostTimers(() => this.state === 'running', (id) => this.enqueue([id, TIMER]));
  private frozenTimers: FrozenTimer[] = [];
  private lastCallId = 0;
  private received = 0;
  /** Posts of any kind received from the current sandbox. */
  private postsReceived = 0;
  /** The program is being rebuilt in a fresh isolate (moveOffThread): deliveries wait in the outbox. */
  private rebuilding = false;
  private readonly clock = new ExecutionClock(() => this.onDeadline());
  private seq = 0;
  private segments = 0;
  private refreshedAt = 0;
  private memoryUsedBytes = 0;
  private replay?: Replay;
  /** While a restore replays: the results each call got, so provenance learns them again as the calls are verified. */
  private replayedResults?: Map<number, string>;
  private settle?: (result: ExecutionResult) => void;
  /** The answer of the run, resume or restore under way: what a cancel waits for too. */
  private settled?: Promise<ExecutionResult>;
  /** Called once no turn runs any more (finishing waits for it to read heap statistics). */
  private whenIdle?: () => void;

  constructor(spec: ExecutionSpec, private readonly deps: ExecutionDeps, hooks: Hooks) {
    this.id = spec.id;
    this.spec = spec;
    this.output = new ExecutionOutput(hooks, deps, deps.logger, spec.id);
    const isAllowed = spec.allowedApis ? picomatch(spec.allowedApis, { dot: true }) : () => true;
    this.scope = {
      executionId: spec.id,
      clientId: spec.clientId,
      services: spec.services,
      clientTools: new Map(spec.clientTools.map((tool) => [`${tool.namespace ?? 'client'}.${tool.name}`, tool])),
      isAllowed,
      allowLLMCalls: spec.allowLLMCalls,
      llmLimit: spec.limits.llmCalls,
      counters: { llm: 0, approval: 0, tools: 0 },
      onToolProgress: (message, fraction) => this.output.progress({ message: String(message), fraction }),
    };
    const host: TurnHost = {
      id: this.id,
      logger: deps.logger,
      remaining: () => this.clock.remaining(),
      active: () => void this.activity++,
      journal: (batch) => this.journal.recordTurn(batch),
      readings: (clock, overflow) => this.journal.addClock(clock, overflow),
      failed: (failure) => this.onTurnFailure(failure),
      broke: (error) => this.onTurnError(error),
      running: () => this.state === 'running',
      outgrew: (batch) => void this.moveOffThread(batch),
      idle: () => this.whenIdle?.(),
      kick: () => this.kick(),
      checkIdle: () => this.checkIdle(),
    };
    this.loop = new EventLoopTurns(deps.inline, host);
    this.threads = new ThreadTurns(host);
  }

  get clientId(): string {
    return this.spec.clientId;
  }

  get memoryUsed(): number {
    return this.memoryUsedBytes;
  }

  get isPaused(): boolean {
    return this.state === 'paused';
  }

  get pauseSeq(): number {
    return this.seq;
  }

  /** The callbacks this paused execution waits for, in call order. */
  pending(): PendingCallback[] {
    return [...this.callbacks.values()].sort((a, b) => a.id - b.id);
  }

  /** Runs the code from the start; resolves at the first pause or at the end. */
  async run(): Promise<ExecutionResult> {
    try {
      this.code = transpile(this.spec.code);
    } catch (error) {
      if (!(error instanceof CodeSyntaxError)) throw error;
      this.state = 'finished';
      const result = this.result(parseErrorOutcome(error.message, error.line, error.column));
      this.settled = Promise.resolve(result);
      return result;
    }
    const settled = this.settlement();
    await this.track();
    const sandbox = await this.deps.sandboxes.take(this.spec.limits.memory, this.spec.clientId);
    if (this.ended(sandbox)) return settled;
    this.sandbox = sandbox;
    this.sandbox.listen(this.onPost, this.onListenerError);
    this.state = 'running';
    this.clock.start(this.spec.limits.timeout - this.clock.usedMs);
    this.startProgram(null);
    return settled;
  }

  /** Continues a live paused execution with the client's answers (already matched to the pause). */
  resume(values: Map<number, unknown>, hooks: Hooks): Promise<ExecutionResult> {
    const pending = this.pending();
    const batch = answerDeliveries(pending, values);
    this.output.hooks = hooks;
    this.callbacks = new Map();
    const settled = this.settlement();
    this.state = 'running';
    this.clock.start(this.spec.limits.timeout - this.clock.usedMs);
    this.timers.thaw(this.frozenTimers);
    this.frozenTimers = [];
    // the answers enter like any results: on this thread while turns are short (flush); an approved call
    // runs instead, and its result enters when it settles
    pending.forEach((callback, i) => {
      const delivery = callback.gate ? this.approvalAnswered(callback.id, callback.gate, values.get(callback.id), batch[i]) : batch[i];
      if (!callback.gate && batch[i][1] !== ERR) this.scope.provenance?.observe(callback.id, values.get(callback.id));
      if (delivery) this.outbox.push(delivery);
    });
    this.kick();
    return settled;
  }

  /**
   * Rebuilds a paused execution on this instance from its journal, without repeating any call: resolves
   * undefined when it stands at the same pause again, or the failed result if the replay diverged.
   */
  async restore(header: PauseHeader, segments: Segment[]): Promise<ExecutionResult | undefined> {
    this.seq = header.seq;
    this.clock.usedMs = header.usedMs;
    this.memoryUsedBytes = header.memoryUsed;
    this.segments = header.segments;
    this.refreshedAt = header.refreshedAt;
    this.scope.counters.llm = header.counters.llm;
    this.scope.counters.approval = header.counters.approval;
    this.scope.counters.tools = header.counters.tools ?? 0;
    if (header.issue) this.journal.issue = header.issue;
    try {
      this.code = transpile(this.spec.code);
    } catch {
      this.state = 'finished';
      const result = this.result(divergedOutcome('the code no longer compiles here'));
      this.settled = Promise.resolve(result);
      return result;
    }
    const plan = replayPlan(segments);
    this.replay = { plan, dispatched: false, verifier: new ReplayVerifier(plan.calls), callbacks: header.callbacks, timers: header.timers };
    const settled = this.settlement();
    await this.track();
    if (this.scope.provenance) this.replayedResults = resultsById(plan.turns);
    const sandbox = await this.deps.sandboxes.take(this.spec.limits.memory, this.spec.clientId);
    if (this.ended(sandbox)) return settled;
    this.sandbox = sandbox;
    this.sandbox.listen(this.onPost, this.onListenerError);
    this.state = 'running';
    // replay recomputes what already ran; it gets a full timeout of its own, not counted as used time
    this.clock.start(this.spec.limits.timeout);
    this.startProgram(plan.clock);
    const result = await settled;
    return this.isPaused ? undefined : result;
  }

  /** Frees the isolate of a paused execution (its journal stays in the store). */
  spill(reason: 'evicted' | 'expired' | 'closing'): void {
    if (this.state !== 'paused') return;
    this.state = 'finished';
    this.deps.logger.debug('paused execution no longer held live', { execution: this.id, reason });
    if (this.sandbox) this.deps.sandboxes.release(this.sandbox);
    this.sandbox = undefined;
  }

  /** A live paused execution takes its isolate back to resume in place: false if it cannot (resume by replay). */
  reclaim(): boolean {
    return this.state === 'paused' && this.sandbox !== undefined && this.deps.sandboxes.reclaim(this.sandbox);
  }

  /** Its isolate was retired while it was paused: no longer live here, it resumes by replay. */
  private readonly evicted = (): void => {
    if (this.deps.live.peek(this.id) === this) this.deps.live.take(this.id);
    this.spill('evicted');
  };

  /**
   * Ends the execution now, running or paused live here (its client cancelled it, or the server closes): calls in
   * flight are aborted. Resolves with its result: `cancelled`, or how it ended if it ended first.
   */
  cancel(error: ExecutionError): Promise<ExecutionResult> {
    if (this.state === 'finished' && this.settled) return this.settled;
    const settled = this.state === 'paused' || !this.settled ? this.settlement() : this.settled;
    this.finish({ status: 'cancelled', error });
    return settled;
  }

  private settlement(): Promise<ExecutionResult> {
    return (this.settled = new Promise<ExecutionResult>((resolve) => (this.settle = resolve)));
  }

  /** Cancelled while it waited for its sandbox: the sandbox goes back unused. */
  private ended(sandbox: Sandbox): boolean {
    if (this.state !== 'finished') return false;
    this.deps.sandboxes.release(sandbox);
    return true;
  }

  /** With data-flow rules: a tracker for this execution, knowing what its client read before. */
  private async track(): Promise<void> {
    if (!this.deps.provenance || this.scope.provenance) return;
    this.scope.provenance = await this.deps.provenance.begin({ executionId: this.id, clientId: this.spec.clientId }, this.code!.script);
  }

  // ---- turns ------------------------------------------------------------------------------------------

  private startProgram(replayClock: number[] | null): void {
    const setup: SandboxSetup = {
      clientTools: this.spec.clientTools.map((tool) => ({ namespace: tool.namespace ?? 'client', name: tool.name })),
      seed: this.spec.seed,
      replayClock,
      maxLogEntries: this.deps.maxLogEntries,
      maxResultChars: this.deps.maxResultSize,
    };
    const path: TurnPath = replayClock === null && this.loop.enabled && !this.replay ? this.loop : this.threads;
    path.start(this.sandbox!, setup, this.code!.script);
  }

  /** A turn could not even start: V8 rejected the code, or the sandbox broke. */
  private onTurnError(error: unknown): void {
    if (error instanceof ScriptCompileError) {
      const position = error.line !== undefined ? this.code?.original(error.line, error.column ?? 1) : undefined;
      this.finish(parseErrorOutcome(error.message, position?.line, position?.column));
    } else {
      this.deps.logger.error('execution turn failed unexpectedly', { execution: this.id, error: (error as Error).message });
      this.finish(internalOutcome('the sandbox stopped unexpectedly'));
    }
  }

  private onTurnFailure(failure: TurnFailure): void {
    if (this.state === 'finished') return;
    if (failure.kind === 'unhandled') {
      if (!this.replay) this.output.log('warn', `a promise was rejected and nothing handled it: ${failure.message.slice(0, 1000)}`);
      return;
    }
    this.finish(this.outcomeOf(failure));
  }

  private outcomeOf(failure: Exclude<TurnFailure, { kind: 'unhandled' }>): Outcome {
    switch (failure.kind) {
      case 'timeout': return timeoutOutcome(this.spec.limits.timeout, failure.stack, this.code);
      case 'memory': return memoryOutcome(this.spec.limits.memory);
      case 'disposed': return internalOutcome(this.sandbox?.catastrophe ? 'V8 lost control of the isolate' : 'the isolate was disposed');
    }
  }

  /** Nothing runs on the host for this execution: the sandbox may be idle too, which a snapshot proves. */
  private looksIdle(): boolean {
    if (this.state !== 'running' || this.threads.awaited > 0 || this.flushScheduled) return false;
    // while rebuilding, deliveries and calls on the host wait for the replay to end: they keep no turn coming
    return this.rebuilding || (this.outbox.length === 0 && this.serverCalls.size === 0);
  }

  private checkIdle(): void {
    if (!this.looksIdle() || this.probing || this.probeTimer) return;
    if (this.postsReceived < this.loop.posted) return; // the last inline turn's posts are on their way: onPost checks again
    if (this.replay && !this.replay.dispatched) {
      // the journal's turns, in order and with their boundaries; the snapshot queued after them ends the replay
      this.replay.dispatched = true;
      for (const batch of this.replay.plan.turns) this.threads.replay(this.sandbox!, batch);
      return this.probe();
    }
    if (this.threads.unprobed === 0) return this.probe();
    const activity = this.activity;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.activity === activity) this.probe();
      else this.checkIdle();
    }, PROBE_DELAY_MS);
  }

  /** A snapshot: it runs after every turn sent before it; if nothing happened meanwhile, the sandbox is idle. */
  private probe(): void {
    const sandbox = this.sandbox;
    if (!sandbox || !this.looksIdle()) return;
    const activity = this.activity;
    const covered = this.threads.unprobed;
    this.probing = true;
    sandbox.snapshot().then(
      (snapshot) => {
        this.probing = false;
        this.kick();
        this.threads.covered(covered);
        this.journal.addClock(snapshot.clock, snapshot.clockOverflow);
        if (!this.looksIdle()) return;
        if (this.activity !== activity || snapshot.issued !== this.received) return this.checkIdle();
        if (this.replay) return this.endReplay();
        if (this.callbacks.size > 0) return void this.pause();
        if (this.timers.size > 0) return; // a timer will fire, or the deadline will
        this.finish(stalledOutcome());
      },
      () => {
        this.probing = false;
        this.onTurnFailure(sandbox.lost());
      },
    );
  }

  private enqueue(delivery: Delivery): void {
    this.outbox.push(delivery);
    this.kick();
  }

  /** Everything that arrived since the last flush enters the sandbox as one turn. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.state !== 'running' || this.outbox.length === 0 || this.rebuilding) return;
    if (this.loop.enabled && this.journal.issue) this.loop.enabled = false; // no replay could rebuild the program: no turn on this thread
    if (this.loop.enabled && !this.replay) {
      // a turn or a snapshot under way in the isolate would hold this thread: the batch waits for its end (kick)
      if (this.threads.awaited > 0 || this.probing) return;
      if (this.postsReceived < this.loop.posted) {
        // what the last inline turn posted is queued behind us: it comes first, as it would off this thread
        this.flushScheduled = true;
        setImmediate(this.flush);
        return;
      }
      if (this.threads.unprobed === 0) {
        const batch = this.outbox;
        this.outbox = [];
        return this.loop.deliver(this.sandbox!, batch);
      }
    }
    const batch = this.outbox;
    this.outbox = [];
    this.threads.deliver(this.sandbox!, batch);
  };

  /** Flushes the outbox soon (deliveries that arrived, or waited for a turn or a snapshot to end); a rebuild flushes when its replay ends. */
  private kick(): void {
    if (this.outbox.length === 0 || this.flushScheduled || this.rebuilding) return;
    this.flushScheduled = true;
    if (++this.microFlushes < FLUSHES_PER_PASS) return queueMicrotask(this.flush);
    this.microFlushes = 0;
    setImmediate(this.flush);
  }

  /**
   * An inline turn outgrew its budget and V8 stopped it midway, which breaks the program: it is rebuilt in a
   * fresh isolate by replaying its journal (no call made again), then `batch` enters again, and the program
   * runs off this thread from then on. What the stopped isolate posted after its last whole turn is dropped.
   * A first turn (`batch` null) has nothing journaled: the program simply starts again, off this thread.
   */
  private async moveOffThread(batch: Delivery[] | null): Promise<void> {
    this.deps.logger.debug('a turn outgrew the inline budget: the program is rebuilt off the event loop', { execution: this.id, budgetMs: this.deps.inline.budgetMs });
    this.loop.enabled = false;
    this.rebuilding = true;
    this.deps.sandboxes.release(this.sandbox!, undefined, 'a turn outgrew its budget and was stopped');
    this.sandbox = undefined;
    if (batch) this.outbox.unshift(...batch);
    this.lastCallId = 0;
    this.received = 0;
    this.postsReceived = 0;
    this.loop.posted = 0;
    try {
      const earlier = batch && this.segments > 0 ? await this.deps.states.segments(this.id, this.segments) : [];
      if (!earlier) {
        return this.finish({ status: 'failed', error: { message: 'the journal of this execution expired from the state store while it ran; run it again', code: 'EXECUTION_FAILED', retryable: true } });
      }
      const sandbox = await this.deps.sandboxes.take(this.spec.limits.memory, this.spec.clientId);
      if (this.state !== 'running') return this.deps.sandboxes.release(sandbox, 0);
      this.sandbox = sandbox;
      sandbox.listen(this.onPost, this.onListenerError);
      if (!batch) {
        this.rebuilding = false;
        return this.startProgram(null);
      }
      const plan = replayPlan([...earlier, this.journal.currentSegment()]);
      this.replay = { plan, dispatched: false, verifier: new ReplayVerifier(plan.calls), callbacks: [], timers: [], thenRun: true };
      this.startProgram(plan.clock);
    } catch (error) {
      this.deps.logger.error('could not move an execution off the event loop', { execution: this.id, error: (error as Error).message });
      this.finish(internalOutcome('the sandbox stopped unexpectedly'));
    }
  }

  // ---- time -------------------------------------------------------------------------------------------

  private onDeadline(): void {
    if (this.state !== 'running') return;
    // turns sent without waiting stop at their own timeout, or when finishing disposes the isolate
    if (this.threads.awaited === 0) return this.finish(timeoutOutcome(this.spec.limits.timeout, undefined, this.code, this.waitingFor()));
    // a turn is running: V8 stops it at its own timeout; should it not, disposing the isolate does
    this.clock.grace(1000, () => {
      if (this.state === 'running') this.finish(timeoutOutcome(this.spec.limits.timeout, undefined, this.code));
    });
  }


  /** What the idle program waits for, when asking cannot hold this thread: no turn is under way on any thread. */
  private waitingFor(): { label: string; stack: string } | undefined {
    if (!this.loop.enabled || this.probing || this.threads.unprobed > 0 || this.rebuilding) return undefined;
    return this.sandbox?.waitingForSync();
  }

  // ---- what the sandbox posts -------------------------------------------------------------------------

  private readonly onListenerError = (error: unknown): void => {
    this.deps.logger.error('an execution failed while handling its sandbox', { execution: this.id, error: (error as Error)?.message });
    this.finish(internalOutcome('the server could not handle what the code sent'));
  };

  private readonly onPost = (type: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void => {
    this.postsReceived++;
    if (this.state !== 'running' && this.state !== 'pausing') return;
    const post = decodePost(type, a, b, c, d);
    if (post) this.handlePost(post);
    if (this.postsReceived === this.loop.posted) this.checkIdle(); // the last inline turn's posts have all arrived
  };

  private handlePost(post: SandboxPost): void {
    switch (post.type) {
      case 'call': return this.onCall(post);
      case 'clear': return this.timers.clear(post.id);
      case 'log': return this.output.fromCode(post.level, post.message, post.data);
      case 'progress': return this.output.progressFromCode(post.event);
      case 'logLimit': return this.output.log('warn', `further log entries of this execution are dropped (limit: ${this.deps.maxLogEntries})`);
      case 'done': return this.onDone(post.json);
      case 'fail': return this.finish(thrownOutcome(post.thrown, this.code));
      case 'tooLarge': return this.finish(tooLargeOutcome(post.chars, this.deps.maxResultSize));
      case 'diverged': return this.finish(divergedOutcome(post.message));
      case 'malformed': return this.tampered(post.what);
    }
  }

  private onCall({ id, op, name, json }: Extract<SandboxPost, { type: 'call' }>): void {
    if (id <= this.lastCallId) return this.tampered('malformed call');
    this.lastCallId = id;
    this.received++;
    if (!this.replay) this.activity++;
    const parsed = callArguments(json);
    if (!parsed) return this.tampered('arguments that are not JSON');
    const args = parsed.args;
    if (this.replay) return this.verifyReplayCall(id, op, name, json, args);
    this.journal.recordCall(id, op, name, json);
    this.scope.provenance?.noteCall(id, op, name, args);
    if (op === 'timer') return this.onTimer(id, args);
    if (json.length > this.deps.maxResultSize) {
      return this.enqueue([id, ERR, { message: `the argument is ${json.length} characters of JSON, more than the ${this.deps.maxResultSize} allowed; send less data per call` }]);
    }
    const plan: CallPlan = this.deps.runtime.plan(op, name, args, this.scope);
    switch (plan.kind) {
      case 'server': return this.startServerCall(id, plan, op === 'api' ? { fn: name, input: args ?? {} } : undefined);
      case 'callback': this.callbacks.set(id, { id, request: plan.request, ...(plan.gate && { gate: plan.gate }) }); return;
      case 'reject': return this.enqueue([id, ERR, plan.error]);
      case 'end': return this.finish({ status: plan.status, error: { message: plan.message, code: plan.code } });
    }
  }

  private onTimer(id: number, args: unknown): void {
    if (this.timers.size >= MAX_TIMERS) return this.tampered('too many timers');
    const options = (typeof args === 'object' && args !== null ? args : {}) as { delay?: unknown; repeat?: unknown };
    const delay = Math.min(Math.max(Number(options.delay) || 0, 0), 2 ** 31 - 1);
    this.timers.arm(id, delay, delay, options.repeat === true);
  }

  /**
   * A person's answer to a call that waited for approval (policies.requireApproval): approved, the call runs
   * and its result enters the sandbox when it settles; otherwise an error enters at the awaiting call.
   * `asDelivered` is the answer as any callback's (an __error answer is already an error).
   */
  private approvalAnswered(id: number, gate: ApprovalGate, answer: unknown, asDelivered: Delivery): Delivery | undefined {
    if (asDelivered[1] === ERR) return asDelivered;
    const verdict = verdictOf(gate, answer);
    if (gate.rules) this.scope.provenance?.decided(gate.fn, verdict.approved);
    if (!verdict.approved) return [id, ERR, verdict.error];
    const plan = this.deps.runtime.approvedCall(gate, this.scope);
    if (plan.kind === 'server') return void this.startServerCall(id, plan);
    if (plan.kind === 'reject') return [id, ERR, plan.error];
    return [id, ERR, { message: plan.kind === 'end' ? plan.message : `api.${gate.fn} could not run`, callback: true }];
  }

  /** `call`: the catalog function and input, when a missing sign-in may turn into a pause (config authorization: pause). */
  private startServerCall(id: number, plan: Extract<CallPlan, { kind: 'server' }>, call?: { fn: string; input: unknown }): void {
    const maxChars = Math.max(1024 * 1024, Math.floor(this.spec.limits.memory / 2));
    const started = this.serverCalls.start(id, (signal) => plan.run(signal), (value) => {
      this.scope.provenance?.observe(id, value);
      this.enqueue(resultDelivery(id, value, plan.label, maxChars));
    }, (error) => {
      const delivered = deliveredError(error, plan.label);
      if (call && delivered.code === 'AUTHORIZATION_REQUIRED' && delivered.authorizationUrl && this.spec.authorization === 'pause' && this.scope.services.hasApproval) {
        return this.awaitSignIn(id, call, delivered.authorizationUrl);
      }
      this.enqueue([id, ERR, delivered]);
    });
    if (!started) this.tampered('too many calls in flight');
  }

  /**
   * A call whose person has not signed in, in an execution that asked to wait for that (config authorization:
   * pause): an approval the client answers once the person has signed in; approved, the call runs again.
   */
  private awaitSignIn(id: number, call: { fn: string; input: unknown }, authorizationUrl: string): void {
    this.scope.counters.approval++;
    this.callbacks.set(id, { id, request: signInRequest(call.fn, authorizationUrl), gate: { fn: call.fn, input: call.input, signIn: { authorizationUrl } } });
    this.checkIdle();
  }

  private onDone(text: string | undefined): void {
    if (text === undefined) return this.finish({ status: 'completed' });
    if (Buffer.byteLength(text) > this.deps.maxResultSize) return this.finish(tooLargeOutcome(Buffer.byteLength(text), this.deps.maxResultSize));
    try {
      this.finish({ status: 'completed', result: JSON.parse(text) });
    } catch {
      this.tampered('a result that is not JSON');
    }
  }

  private tampered(what: string): void {
    this.finish({ status: 'security_violation', error: { message: `the sandbox runtime was bypassed (${what}); the execution was stopped`, code: 'SECURITY_VIOLATION' } });
  }

  // ---- replay -----------------------------------------------------------------------------------------

  private verifyReplayCall(id: number, op: string, name: string, json: string, args: unknown): void {
    const diverged = this.replay!.verifier.check(id, op, name, json);
    if (diverged) return this.finish(divergedOutcome(diverged));
    const results = this.replayedResults;
    if (results) {
      // provenance is rebuilt as the calls are verified: the journal keeps results, not the inputs that named their readers
      this.scope.provenance!.noteCall(id, op, name, args);
      const result = results.get(id);
      if (result !== undefined) this.scope.provenance!.observe(id, JSON.parse(result));
    }
  }

  private endReplay(): void {
    const replay = this.replay!;
    const missing = replay.verifier.missing();
    if (missing) return this.finish(divergedOutcome(missing));
    this.replay = undefined;
    this.replayedResults = undefined;
    if (replay.thenRun) {
      // rebuilt where it stood before its stopped turn: what waited in the outbox enters now, live
      this.rebuilding = false;
      if (this.outbox.length > 0) this.flush();
      else this.checkIdle();
      return;
    }
    this.clock.disarm();
    this.callbacks = new Map(replay.callbacks.map((callback) => [callback.id, callback]));
    this.frozenTimers = replay.timers;
    this.state = 'paused';
    this.settle?.(this.result({ status: 'paused' }));
  }

  // ---- pause and finish -------------------------------------------------------------------------------

  private async pause(): Promise<void> {
    this.state = 'pausing';
    this.scope.provenance?.flush();
    this.clock.stop(!this.replay);
    this.frozenTimers = this.timers.freeze();
    try {
      this.memoryUsedBytes = this.sandbox!.heapUsedIdle(); // idle: the probe that led here proved it
    } catch {
      return this.finish(this.sandbox ? this.outcomeOf(this.sandbox.lost()) : internalOutcome('the isolate is gone'));
    }
    this.seq++;
    const callbacks = this.pending();
    const header: PauseHeader = {
      v: 1, runtime: this.deps.runtimeVersion, id: this.id, clientId: this.spec.clientId, seq: this.seq, pausedAt: Date.now(),
      usedMs: this.clock.usedMs, memoryUsed: this.memoryUsedBytes, counters: { ...this.scope.counters }, callbacks,
      timers: this.frozenTimers, segments: this.segments, refreshedAt: this.refreshedAt, ...(this.journal.issue && { issue: this.journal.issue }),
      ...(this.spec.timezone && { timezone: this.spec.timezone }),
    };
    const trace = this.deps.traceOf?.(this.id);
    if (trace) header.trace = trace;
    try {
      await this.deps.states.savePause(header, this.journal.takeSegment(), this.seq === 1 ? this.spec : undefined);
    } catch (error) {
      this.deps.logger.error('could not save a paused execution', { execution: this.id, error: (error as Error).message });
      return this.finish({
        status: 'failed',
        error: { message: 'the execution paused but its state could not be saved to the state store; run it again', code: 'EXECUTION_FAILED', retryable: true },
      });
    }
    this.segments = header.segments;
    this.refreshedAt = header.refreshedAt;
    if (this.state !== 'pausing') {
      // cancelled while the pause was written: what finishing removed may have been written after it
      if (this.state === 'finished') this.forgetState();
      return;
    }
    this.state = 'paused';
    this.deps.metrics?.executionPaused(callbacks.map((callback) => callback.request.type));
    const result = this.result({ status: 'paused' });
    this.deps.sandboxes.park(this.sandbox!, this.evicted);
    this.deps.live.add(this);
    this.settle?.(result);
  }

  private finish(outcome: Outcome): void {
    if (this.state === 'finished') return;
    const wasPaused = this.state === 'paused';
    this.scope.provenance?.flush();
    if (this.state === 'running' || this.state === 'pausing') this.clock.stop(!this.replay);
    this.state = 'finished';
    this.deps.metrics?.executionEnded(outcome.status, this.clock.usedMs, this.scope.counters.tools);
    this.clock.disarm();
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.serverCalls.abortAll();
    this.timers.clearAll();
    this.outbox = [];
    this.replay = undefined;
    if (this.seq > 0) this.forgetState();
    const sandbox = this.sandbox;
    this.sandbox = undefined;
    if (!sandbox || wasPaused) {
      // a parked context: its isolate may run another execution of the client, so no heap is read from it
      if (sandbox) this.deps.sandboxes.release(sandbox);
      this.settle?.(this.result(outcome));
      return;
    }
    giveBack({
      sandbox,
      sandboxes: this.deps.sandboxes,
      ...((outcome.status === 'timeout' || outcome.status === 'memory_exceeded') && { retire: outcome.status }),
      unprobed: this.threads.unprobed,
      awaited: this.threads.awaited,
      whenIdle: (fn) => (this.whenIdle = fn),
      answer: (heap) => {
        if (heap !== undefined) this.memoryUsedBytes = Math.max(this.memoryUsedBytes, heap);
        this.settle?.(this.result(outcome));
      },
    });
  }

  private forgetState(): void {
    this.deps.states.forget(this.id, this.segments).catch((error: Error) => {
      this.deps.logger.warn('could not remove a finished execution from the state store', { execution: this.id, error: error.message });
    });
  }

  private result(outcome: Outcome): ExecutionResult {
    const result: ExecutionResult = {
      executionId: this.id,
      status: outcome.status,
      stats: {
        duration: Math.round(this.clock.usedMs),
        memoryUsed: this.memoryUsedBytes,
        llmCallsCount: this.scope.counters.llm,
        approvalCallsCount: this.scope.counters.approval,
      },
    };
    if (outcome.result !== undefined) result.result = outcome.result;
    if (outcome.error) result.error = outcome.error;
    if (outcome.status === 'paused') Object.assign(result, pauseFields(this.pending()));
    return result;
  }
}

/** The JSON text of each call's result in a journal's turns (errors and timers have none). */
function resultsById(turns: Delivery[][]): Map<number, string> {
  const results = new Map<number, string>();
  for (const turn of turns) for (const [id, mode, payload] of turn) if (mode === OK && typeof payload === 'string') results.set(id, payload);
  return results;
}

