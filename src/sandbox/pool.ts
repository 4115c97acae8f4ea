// Warm isolates with the runtime already bootstrapped, so an execution does not wait for V8 to build a heap.
// Each isolate serves exactly one execution. Isolates are built on isolated-vm's threads (builder.ts), so
// refilling never holds this thread: the pool refills as soon as it is short, and an execution that finds
// it empty waits for the next isolate built. A used isolate is torn down on isolated-vm's threads too.

import type { Logger } from '../logging/index.js';
import { IsolateBuilder } from './builder.js';
import { enableCollection } from './isolate-handle.js';
import { rehearse } from './rehearsal.js';
import { RuntimeBootstrap, Sandbox } from './sandbox.js';
import type { SandboxRuntimeOptions } from './protocol.js';

export interface IsolatePoolOptions {
  /** Warm isolates to keep ready (0 disables the pool). */
  size: number;
  /** Memory limit of warm isolates, in bytes; executions asking for another limit get a fresh isolate. */
  memoryLimit: number;
  runtime: SandboxRuntimeOptions;
  /** Catalog ids (`github.issues.create`) of the api.* functions. */
  apiIds: string[];
  logger: Logger;
  /** Isolates built at once (default: one per core). */
  parallelism?: number;
}

interface Waiter { resolve: (sandbox: Sandbox) => void; reject: (error: Error) => void }

export class IsolatePool {
  private readonly bootstrap: RuntimeBootstrap;
  private readonly builder: IsolateBuilder;
  private readonly warm: Sandbox[] = [];
  /** take() calls waiting for the next isolate built, first come first served. */
  private readonly waiting: Waiter[] = [];
  /** Builds for the pool under way. */
  private readonly building = new Set<Promise<void>>();
  private closed = false;
  private rehearsed = false;
  private refillSoon = false;
  private apiIds: string[];
  private built = 0;

  constructor(private readonly options: IsolatePoolOptions) {
    enableCollection(); // before the first isolate: see isolate-handle.ts
    this.bootstrap = new RuntimeBootstrap(options.runtime, options.apiIds);
    this.builder = new IsolateBuilder(options.parallelism);
    this.apiIds = options.apiIds;
  }

  /**
   * The catalog changed: warm isolates, which have the old api.* functions, are torn down, and isolates from
   * now on get the new ones. Executions under way keep what they started with.
   */
  setApi(apiIds: string[]): void {
    this.apiIds = apiIds;
    this.bootstrap.setApi(apiIds);
    for (const sandbox of this.warm.splice(0)) this.discard(sandbox);
    this.schedule();
  }

  get size(): number {
    return this.warm.length;
  }

  /** The runtime every isolate of this pool runs, and its api.* tree: new contexts in used isolates need it too. */
  get runtime(): RuntimeBootstrap {
    return this.bootstrap;
  }

  /** False once close() was called: what is freed from then on is freed on this thread. */
  get open(): boolean {
    return !this.closed;
  }

  /** Size of the runtime's V8 code cache, in bytes (0 until the first isolate is built). */
  get codeCacheBytes(): number {
    return this.bootstrap.cachedData?.copy().byteLength ?? 0;
  }

  /** Isolates built since the pool was made (warm, or fresh for a memory limit of their own). */
  get builtCount(): number {
    return this.built;
  }

  /** Used isolates whose teardown has not finished. */
  get discardedCount(): number {
    return this.builder.releasing;
  }

  /**
   * Fills the pool; resolves when it is full (at start-up, before taking traffic) and rejects if a build
   * fails. The first time, an isolate rehearses an execution first, for the code cache (rehearsal.ts).
   */
  async fill(): Promise<void> {
    if (!this.rehearsed) {
      this.rehearsed = true;
      const sandbox = await this.create(this.options.memoryLimit);
      try {
        if (!(await rehearse(sandbox, this.bootstrap, this.apiIds))) this.options.logger.debug('the runtime rehearsal did not finish; isolates compile the runtime as they go');
      } finally {
        this.discard(sandbox);
      }
    }
    const missing = this.options.size - this.warm.length - this.building.size;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.refill()));
  }

  /** A fresh isolate for one execution: warm when the memory limit matches and one is ready, else the next built. */
  take(memoryLimit: number): Promise<Sandbox> {
    if (this.closed) return Promise.reject(new Error('the isolate pool is closed'));
    if (memoryLimit !== this.options.memoryLimit) return this.create(memoryLimit);
    const sandbox = this.warm.shift();
    if (!sandbox) {
      const next = new Promise<Sandbox>((resolve, reject) => this.waiting.push({ resolve, reject }));
      this.schedule();
      return next;
    }
    // starting a build costs this thread about 0.1 ms: after the execution's first turn, not before it
    if (!this.refillSoon) {
      this.refillSoon = true;
      setImmediate(() => {
        this.refillSoon = false;
        this.schedule();
      });
    }
    return Promise.resolve(sandbox);
  }

  /** An isolate whose execution ended (or spilled): torn down in the background. */
  discard(sandbox: Sandbox): void {
    void sandbox.dispose(!this.closed);
  }

  /** Frees every isolate; resolves once no build or teardown runs any more (the process may exit then). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const sandbox of this.warm.splice(0)) void sandbox.dispose(false);
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('the isolate pool is closed'));
    await Promise.allSettled(this.building);
    await this.builder.close(); // waits for the teardowns under way too
    Sandbox.teardownsFinished();
  }

  private async create(memoryLimit: number): Promise<Sandbox> {
    const sandbox = await Sandbox.create(this.builder, this.bootstrap, memoryLimit, (message) => {
      this.options.logger.error('V8 lost control of an isolate; restart this process soon', { reason: message });
    });
    this.built++;
    return sandbox;
  }

  /** Starts builds while isolates are wanted (the waiting take() calls, then the pool's size), as many at once as the builder runs. */
  private schedule(): void {
    while (!this.closed && this.building.size < this.builder.parallelism && this.warm.length + this.building.size < this.options.size + this.waiting.length) {
      this.refill().catch((error: Error) => this.options.logger.warn('could not create a warm isolate', { error: error.message }));
    }
  }

  /** Builds one isolate for the pool: it goes to the first take() waiting, else to the warm ones. */
  private refill(): Promise<void> {
    const build: Promise<void> = this.create(this.options.memoryLimit).then((sandbox) => {
      if (this.closed) return void sandbox.dispose(false);
      if (sandbox.apiGeneration !== this.bootstrap.generation) return this.discard(sandbox); // the catalog changed meanwhile: schedule() builds another
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(sandbox);
      else this.warm.push(sandbox);
    }, (error: Error) => {
      this.waiting.shift()?.reject(error);
      throw error;
    }).finally(() => {
      this.building.delete(build);
      this.schedule();
    });
    this.building.add(build);
    return build;
  }
}
