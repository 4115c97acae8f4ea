// One isolate with the runtime bootstrapped: the only code that touches isolated-vm. Everything crosses the
// boundary as copies (strings, plain data); agent code never sees a Reference, a host function or a host path.

import ivm from 'isolated-vm';
import { hidingSource, type IsolateBuilder } from './builder.js';
import { RUNTIME_FILENAME, type RuntimeBootstrap } from './bootstrap.js';
import { COLLECT_GLOBAL, IsolateHandle } from './isolate-handle.js';
import { API_GLOBAL, POST_GLOBAL, START_GLOBAL, type RecordedTurn, type SandboxSetup, type SnapshotData, type WaitingFor } from './protocol.js';

export { RuntimeBootstrap, RUNTIME_VERSION } from './bootstrap.js';
export { IsolateHandle } from './isolate-handle.js';

export const AGENT_FILENAME = 'agent.ts';
/** How every transpiled program starts; the settings are inserted as the first argument. */
const START_CALL = `${START_GLOBAL}(`;
const NO_READINGS: number[] = [];

/** Receives everything the sandbox posts: calls, logs, progress and the end of the program. */
export type SandboxListener = (type: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => void;

interface Holder {
  listener: SandboxListener | null;
  onListenerError?: (error: unknown) => void;
  /** What a turn run on this thread posted, in order (from postsAndClockSync), until dispatchRecorded. */
  recorded: unknown[][];
}

/** A turn (one entry into the isolate) did not complete normally. */
export type TurnFailure =
  | { kind: 'timeout'; stack: string }
  | { kind: 'memory' }
  | { kind: 'disposed' }
  /** A promise rejected with no handler during the turn; the program itself goes on. */
  | { kind: 'unhandled'; message: string };


/** The transpiled code was still rejected by V8 (the transpiler leaves some checks to it). */
export class ScriptCompileError extends Error {
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, line?: number, column?: number) {
    super(message);
    this.name = 'ScriptCompileError';
    this.line = line;
    this.column = column;
  }
}

export class Sandbox {
  readonly memoryLimit: number;
  readonly handle: IsolateHandle;
  /** The RuntimeBootstrap generation of the api.* tree this isolate has. */
  readonly apiGeneration: number;
  private readonly isolate: ivm.Isolate;
  private readonly context: ivm.Context;
  private readonly deliverRef: ivm.Reference;
  private readonly snapshotRef: ivm.Reference;
  private readonly postedRef: ivm.Reference;
  private readonly waitingRef: ivm.Reference;
  private readonly holder: Holder;
  private disposedByHost = false;

  private constructor(parts: {
    handle: IsolateHandle; context: ivm.Context; refs: ivm.Reference[]; holder: Holder; memoryLimit: number; apiGeneration: number;
  }) {
    this.apiGeneration = parts.apiGeneration;
    this.handle = parts.handle;
    this.isolate = parts.handle.isolate;
    this.context = parts.context;
    [this.deliverRef, this.snapshotRef, this.postedRef, this.waitingRef] = parts.refs;
    this.holder = parts.holder;
    this.memoryLimit = parts.memoryLimit;
  }

  /**
   * Creates an isolate and runs the runtime bootstrap in it, on isolated-vm's threads (see builder.ts).
   * `onCatastrophe` is told if V8 loses the isolate.
   */
  static async create(builder: IsolateBuilder, bootstrap: RuntimeBootstrap, memoryLimit: number, onCatastrophe?: (message: string) => void): Promise<Sandbox> {
    const holder: Holder = { listener: null, recorded: [] };
    let handle: IsolateHandle | undefined;
    const post = newPost(holder);
    const { boot, generation } = bootstrap.inputs();
    // V8's collection function (see isolate-handle.ts) is taken away before the runtime runs, as in inIsolate
    const built = await builder.build(Math.max(8, Math.ceil(memoryLimit / (1024 * 1024))), { ...boot, hidden: [COLLECT_GLOBAL] }, (message) => {
      if (handle) handle.catastrophe = message;
      onCatastrophe?.(message);
    });
    try {
      // the isolate is idle: set on this thread at once, no hop to another (the runtime takes it at start)
      built.context.global.setSync(POST_GLOBAL, post);
      if (!bootstrap.cachedData && built.cachedData) bootstrap.cachedData = built.cachedData;
      const { isolate, context, exports: refs, release } = built;
      handle = new IsolateHandle(isolate, release);
      return new Sandbox({ handle, context, refs, holder, memoryLimit, apiGeneration: generation });
    } catch (error) {
      void built.release();
      throw error;
    }
  }

  /**
   * A new context in an isolate that already ran other executions (`handle.shared`), with the runtime run in
   * it afresh: nothing of another context is reachable from it. The runtime is compiled once per isolate, with
   * the code cache; every step runs on isolated-vm's threads, the collection of the contexts of ended
   * executions (when the heap grew enough, see IsolateHandle) included.
   */
  static async inIsolate(handle: IsolateHandle, bootstrap: RuntimeBootstrap, memoryLimit: number): Promise<Sandbox> {
    const { isolate } = handle;
    const { boot, generation } = bootstrap.inputs();
    const tree = boot.globals[API_GLOBAL].copyInto(); // now: a catalog change may release the tree meanwhile
    handle.runtime ??= isolate.compileScript(boot.source, boot.cachedData ? { filename: boot.filename, cachedData: boot.cachedData } : { filename: boot.filename });
    handle.hiding ??= isolate.compileScript(hidingSource([COLLECT_GLOBAL]));
    const [script, hiding] = await Promise.all([handle.runtime, handle.hiding]);
    await handle.collectIfGrown();
    const context = await isolate.createContext();
    const refs: ivm.Reference[] = [];
    try {
      // V8's collection function (see isolate-handle.ts) is taken away before the runtime runs
      await Promise.all([context.global.set(API_GLOBAL, tree), hiding.run(context)]);
      const entry = (await script.run(context, { reference: true })) as ivm.Reference;
      refs.push(...(await Promise.all(boot.exports.map((name) => entry.get(name, { reference: true })))));
      entry.release();
      const holder: Holder = { listener: null, recorded: [] };
      await context.global.set(POST_GLOBAL, newPost(holder));
      return new Sandbox({ handle, context, refs, holder, memoryLimit, apiGeneration: generation });
    } catch (error) {
      for (const ref of refs) ref.release();
      context.release();
      throw error;
    }
  }

  /** Set when V8 lost control of the isolate (isolated-vm's catastrophic error). */
  get catastrophe(): string | undefined {
    return this.handle.catastrophe;
  }

  get disposed(): boolean {
    return this.disposedByHost || this.isolate.isDisposed;
  }

  /** Routes what the sandbox posts to `listener`; if the listener throws, it is detached and `onError` is told. */
  listen(listener: SandboxListener | null, onError?: (error: unknown) => void): void {
    this.holder.listener = listener;
    this.holder.onListenerError = onError;
  }

  /**
   * Compiles the program (on this thread: the isolate is idle, and small scripts compile in microseconds)
   * and runs it with its settings, on isolated-vm's threads: the first turn. `script` starts with
   * `__atp_start(`, see transpile.ts. Throws ScriptCompileError if V8 rejects the code.
   */
  async start(setup: SandboxSetup, script: string, timeoutMs: number): Promise<TurnFailure | undefined> {
    const compiled = this.compile(setup, script);
    if (!(compiled instanceof ivm.Script)) return compiled;
    const limit = turnTimeout(timeoutMs);
    return this.turn(() => compiled.run(this.context, { timeout: limit, release: true }), limit);
  }

  /**
   * The same first turn run on this thread, as deliverSync runs later ones: no thread hop either way (a
   * fresh isolate's first turn answers in about 50 µs here instead of 350). Past `budgetMs` V8 stops it.
   */
  startSync(setup: SandboxSetup, script: string, budgetMs: number): TurnFailure | undefined {
    const code = programSource(setup, script, true);
    const limit = turnTimeout(budgetMs);
    const started = performance.now();
    try {
      // compiled and run in one entry into the isolate (about 30 µs less than compiling first, here)
      this.context.evalSync(code, { filename: AGENT_FILENAME, timeout: limit });
      return undefined;
    } catch (error) {
      // only V8 rejecting the code ends this call with a SyntaxError: the runtime's start throws nothing, and
      // what the program throws, synchronously or not, rejects its async function instead
      if (!this.disposed && (error as Error)?.name === 'SyntaxError') throw compileError(error);
      return this.failure(error, started, limit);
    }
  }

  /** The program for a first turn off this thread (start): its posts reach the host one by one. */
  private compile(setup: SandboxSetup, script: string): ivm.Script | TurnFailure {
    const code = programSource(setup, script, false);
    try {
      return this.isolate.compileScriptSync(code, { filename: AGENT_FILENAME });
    } catch (error) {
      if (this.disposed) return this.lost();
      throw compileError(error);
    }
  }

  /**
   * The same without waiting for the turn to end (one thread hop less per host call). False if the isolate
   * is gone. A failure of such a turn is not reported: the deadline, or the next snapshot, finds it.
   */
  deliverIgnored(batch: string, live: boolean, timeoutMs: number): boolean {
    try {
      this.deliverRef.applyIgnored(undefined, [batch, live, false], { timeout: turnTimeout(timeoutMs) });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs a turn on this thread, microtasks included, and returns when it ended: no thread hop either way
   * (about 5 µs a host call instead of 40 here). Only while no other turn runs, or this thread waits for it.
   * Past `budgetMs` V8 stops the turn and the program is broken: the caller rebuilds it by replay.
   */
  deliverSync(batch: string, live: boolean, budgetMs: number): TurnFailure | undefined {
    const limit = turnTimeout(budgetMs);
    const started = performance.now();
    try {
      this.deliverRef.applySync(undefined, [batch, live, true], { timeout: limit });
      return undefined;
    } catch (error) {
      return this.failure(error, started, limit);
    }
  }

  /**
   * After startSync or deliverSync, on this thread: how many posts the sandbox has made in all, and the clock
   * readings since the last snapshot (none, in the common case, which costs no copy of an object). What the
   * turn posted is taken too, for dispatchRecorded.
   */
  postsAndClockSync(): { posted: number; clock: number[]; clockOverflow: boolean } {
    const answer = this.postedRef.applySync(undefined, [], { result: { copy: true } }) as number | string | RecordedTurn;
    if (typeof answer === 'number') return { posted: answer, clock: NO_READINGS, clockOverflow: false };
    const turn = typeof answer === 'string' ? (JSON.parse(answer) as RecordedTurn) : answer;
    for (let i = 0; i < turn.postCount; i++) this.holder.recorded.push(turn.posts[i]);
    return turn;
  }

  /**
   * Hands what the last startSync or deliverSync posted (taken by postsAndClockSync) to the listener, in order,
   * as if each post had come on its own (which would cost the event loop a pass per post). The caller decides
   * when: after its own bookkeeping of the turn.
   */
  dispatchRecorded(): void {
    const posts = this.holder.recorded;
    if (posts.length === 0) return;
    this.holder.recorded = [];
    for (const post of posts) dispatch(this.holder, post);
  }

  /**
   * The oldest unanswered call of an idle program and the stack where the code made it, or undefined. Only
   * while no turn runs, on any thread: this thread would wait for it.
   */
  waitingForSync(): WaitingFor | undefined {
    if (this.disposed) return undefined;
    try {
      return (this.waitingRef.applySync(undefined, [], { result: { copy: true }, timeout: 50 }) as WaitingFor | null) ?? undefined;
    } catch {
      if (!this.isolate.isDisposed) this.handle.terminated = true; // stopped at its timeout
      return undefined;
    }
  }

  /** Why a snapshot (or any call into the isolate) failed: it ran out of memory, or was disposed. */
  lost(): { kind: 'memory' } | { kind: 'disposed' } {
    return this.isolate.isDisposed && !this.disposedByHost && !this.handle.disposedByHost ? { kind: 'memory' } : { kind: 'disposed' };
  }

  /**
   * Clock readings made since the last snapshot, and how many calls the sandbox has issued. It runs after
   * every turn sent before it, so its answer also proves those turns are over.
   */
  async snapshot(): Promise<SnapshotData> {
    try {
      return (await this.snapshotRef.apply(undefined, [], { result: { copy: true }, timeout: 1000 })) as SnapshotData;
    } catch (error) {
      if (!this.isolate.isDisposed) this.handle.terminated = true; // stopped at its timeout
      throw error;
    }
  }

  /**
   * The runtime's code cache as this isolate has it now: compiling the same source again finds V8's compiled
   * script, with every function that ran since (see rehearsal.ts). Only while no turn runs.
   */
  runtimeCodeCache(bootstrap: RuntimeBootstrap): ivm.ExternalCopy<ArrayBuffer> | undefined {
    const script = this.isolate.compileScriptSync(bootstrap.source, { filename: RUNTIME_FILENAME, produceCachedData: true });
    return (script as ivm.Script & ivm.CachedDataResult).cachedData ?? bootstrap.cachedData;
  }

  /** Heap in use, in bytes (0 once disposed). Only while no turn runs: it would wait for the turn to end. */
  heapUsedIdle(): number {
    if (this.disposed) return 0;
    const stats = this.isolate.getHeapStatisticsSync();
    const used = stats.used_heap_size + stats.externally_allocated_size;
    this.handle.noteHeap(used);
    return used;
  }

  /** Heap in use, in bytes (0 once disposed); waits until the isolate is idle. */
  async heapUsedAsync(): Promise<number> {
    if (this.disposed) return 0;
    const stats = await this.isolate.getHeapStatistics();
    const used = stats.used_heap_size + stats.externally_allocated_size;
    this.handle.noteHeap(used);
    return used;
  }

  /**
   * Frees the isolate: by default on the thread of the helper that built it (see builder.ts), so that this
   * thread does not pay for the teardown; the promise settles once it is done. `inBackground: false` frees it
   * on this thread at once, as the process must before it exits (see Sandbox.teardownsFinished). In a shared
   * isolate only this context is let go (V8 collects it); the isolate's owner frees the isolate.
   */
  dispose(inBackground = true): Promise<void> {
    this.holder.listener = null;
    this.holder.recorded = [];
    if (this.disposedByHost) return Promise.resolve();
    this.disposedByHost = true;
    if (!this.handle.shared) return this.handle.dispose(inBackground);
    if (this.isolate.isDisposed) return Promise.resolve();
    try {
      for (const ref of [this.deliverRef, this.snapshotRef, this.postedRef, this.waitingRef]) ref.release();
      this.context.release();
    } catch {
      // the isolate went meanwhile (memory limit): nothing left to free
    }
    return Promise.resolve();
  }

  /**
   * Returns once teardowns started in the background are over, so that the process can exit (exiting while
   * one runs crashes it). V8 tears isolates down and builds them under one lock: building one here waits
   * for any teardown under way. Call after the promises of those dispose() calls settled.
   */
  static teardownsFinished(): void {
    new ivm.Isolate({ memoryLimit: 8 }).dispose();
  }

  private turn(run: () => Promise<unknown>, limit: number): Promise<TurnFailure | undefined> {
    const started = performance.now();
    return run().then(() => undefined, (error: unknown) => this.failure(error, started, limit));
  }

  /** What ended a turn (given the timeout it ran with), decided by what happened rather than by the wording of the error. */
  private failure(error: unknown, started: number, limit: number): TurnFailure {
    if (this.disposed) return this.lost();
    const elapsed = performance.now() - started;
    if (started > 0 && elapsed >= limit - 1) {
      this.handle.terminated = true;
      return { kind: 'timeout', stack: String((error as Error)?.stack ?? '') };
    }
    return { kind: 'unhandled', message: String((error as Error)?.message ?? error) };
  }
}

/**
 * The transpiled program (it starts with `__atp_start(`, see transpile.ts) with its settings as first arguments.
 * `record`: the turn runs on this thread, which takes what it posted when it ends (dispatchRecorded).
 */
function programSource(setup: SandboxSetup, script: string, record: boolean): string {
  if (!script.startsWith(START_CALL)) throw new Error('the transpiled program does not start with the runtime entry point');
  return `${START_CALL}${JSON.stringify(setup)}, ${record}, ${script.slice(START_CALL.length)}`;
}

/** V8 rejected the program: its message (without isolated-vm's note of the place), and where in the transpiled code. */
function compileError(error: unknown): ScriptCompileError {
  const match = /agent\.ts:(\d+)(?::(\d+))?/.exec(String((error as Error).stack ?? ''));
  const message = String((error as Error).message).replace(/ \[agent\.ts:\d+(?::\d+)?\]$/, '');
  return new ScriptCompileError(message, match ? Number(match[1]) : undefined, match?.[2] ? Number(match[2]) : undefined);
}

/** The host callback a context's runtime posts through; each context has its own holder. */
function newPost(holder: Holder): ivm.Callback {
  return new ivm.Callback((type: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => dispatch(holder, [type, a, b, c, d]), { ignored: true });
}

/** One post to the listener: whatever the sandbox sends, the server process must not go down with it. */
function dispatch(holder: Holder, post: unknown[]): void {
  try {
    holder.listener?.(post[0] as string, post[1], post[2], post[3], post[4]);
  } catch (error) {
    holder.listener = null;
    holder.onListenerError?.(error);
  }
}

/**
 * The timeout a turn runs with, for at least `ms`. isolated-vm arms a timer for every call given a timeout,
 * and its timer thread wakes at that timer's expiry even when the call ended long before. With one timer a
 * turn, 2,000 turns a second meant about as many wake-ups, each taking a core from the program and from the
 * tool servers it waits for. Expiries are rounded up to a shared grid instead: the thread wakes a few times
 * per step, however many turns ran. A runaway turn may run up to one step longer than asked.
 */
const TIMEOUT_GRID_MS = 10;
function turnTimeout(ms: number): number {
  const now = performance.now();
  const due = Math.ceil((now + Math.max(1, ms)) / TIMEOUT_GRID_MS) * TIMEOUT_GRID_MS;
  return Math.max(1, Math.min(Math.ceil(due - now), 2 ** 31 - 1));
}
