// Warm isolates with the runtime already bootstrapped, so an execution does not wait for V8 to build a heap.
// Each isolate serves exactly one execution. Creating and disposing an isolate each hold this thread for a
// few milliseconds, so both run as background chores, one at a time, when no execution is starting.

import type { Logger } from '../logging/index.js';
import { RuntimeBootstrap, Sandbox } from './sandbox.js';
import type { SandboxRuntimeOptions } from './runtime-source.js';

export interface IsolatePoolOptions {
  /** Warm isolates to keep ready (0 disables the pool). */
  size: number;
  /** Memory limit of warm isolates, in bytes; executions asking for another limit get a fresh isolate. */
  memoryLimit: number;
  runtime: SandboxRuntimeOptions;
  logger: Logger;
}

/** Used isolates waiting to be disposed beyond which the oldest is disposed at once. */
const MAX_DISCARDED = 16;

export class IsolatePool {
  private readonly bootstrap: RuntimeBootstrap;
  private readonly warm: Sandbox[] = [];
  private readonly discarded: Sandbox[] = [];
  private working = false;
  private closed = false;
  /** Executions between take() and the end of their first turn: chores wait for them. */
  private starting = 0;

  constructor(private readonly options: IsolatePoolOptions) {
    this.bootstrap = new RuntimeBootstrap(options.runtime);
  }

  get size(): number {
    return this.warm.length;
  }

  /** Used isolates not yet disposed. */
  get discardedCount(): number {
    return this.discarded.length;
  }

  /** Fills the pool; resolves when it is full (at start-up, before taking traffic). */
  async fill(): Promise<void> {
    while (!this.closed && this.warm.length < this.options.size) this.warm.push(await this.create(this.options.memoryLimit));
  }

  /** A fresh isolate for one execution: warm when the memory limit matches, else created now. Call started() after its first turn. */
  async take(memoryLimit: number): Promise<Sandbox> {
    if (this.closed) throw new Error('the isolate pool is closed');
    this.starting++;
    try {
      if (memoryLimit === this.options.memoryLimit) {
        const sandbox = this.warm.shift();
        if (sandbox) return sandbox;
      }
      return await this.create(memoryLimit);
    } catch (error) {
      this.started();
      throw error;
    }
  }

  /** The execution that took an isolate has run its first turn. */
  started(): void {
    this.starting = Math.max(0, this.starting - 1);
    this.schedule();
  }

  /** An isolate whose execution ended (or spilled): disposed in the background. */
  discard(sandbox: Sandbox): void {
    sandbox.listen(null);
    if (this.closed) return sandbox.dispose();
    this.discarded.push(sandbox);
    // under sustained load isolated-vm's callbacks can keep the event loop from reaching setImmediate chores
    // for seconds (measured: 1,600 used isolates, 2 GB RSS): the backlog is bounded here, after the answer
    if (this.discarded.length > MAX_DISCARDED) this.discarded.shift()?.dispose();
    this.schedule();
  }

  close(): void {
    this.closed = true;
    for (const sandbox of [...this.warm.splice(0), ...this.discarded.splice(0)]) sandbox.dispose();
  }

  private create(memoryLimit: number): Promise<Sandbox> {
    return Sandbox.create(this.bootstrap, memoryLimit, (message) => {
      this.options.logger.error('V8 lost control of an isolate; restart this process soon', { reason: message });
    });
  }

  private schedule(): void {
    if (this.working || this.closed) return;
    if (this.discarded.length === 0 && this.warm.length >= this.options.size) return;
    this.working = true;
    setImmediate(() => void this.work());
  }

  /** One chore per turn of the event loop, while there are chores and no execution is starting. */
  private async work(): Promise<void> {
    try {
      while (!this.closed) {
        // while executions start, they create their own isolates if the pool is empty: refilling now would
        // only add to their wait; a long backlog of used isolates is disposed anyway, to bound memory
        if (this.starting > 0 && this.discarded.length <= MAX_DISCARDED) return; // started() schedules us again
        const used = this.discarded.shift();
        if (used) used.dispose();
        else if (this.warm.length < this.options.size) this.warm.push(await this.create(this.options.memoryLimit));
        else return;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.options.logger.warn('could not create a warm isolate', { error: (error as Error).message });
    } finally {
      this.working = false;
      if (this.closed) this.close();
      else if (this.discarded.length > 0 && this.starting === 0) this.schedule();
    }
  }
}
