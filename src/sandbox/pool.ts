// Warm isolates with the runtime already bootstrapped, so an execution does not wait for V8 to build a heap.
// Each isolate serves exactly one execution. Creating an isolate holds this thread for a few milliseconds, so
// refills run as background chores, one at a time, when no execution is starting. A used isolate is torn
// down on isolated-vm's threads (Sandbox.dispose); a refill waits for teardowns in progress, since V8 makes
// the two take turns.

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

export class IsolatePool {
  private readonly bootstrap: RuntimeBootstrap;
  private readonly warm: Sandbox[] = [];
  /** Teardowns of used isolates still running on isolated-vm's threads. */
  private readonly teardowns = new Set<Promise<void>>();
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

  /** Used isolates whose teardown has not finished. */
  get discardedCount(): number {
    return this.teardowns.size;
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

  /** An isolate whose execution ended (or spilled): torn down in the background. */
  discard(sandbox: Sandbox): void {
    if (this.closed) return void sandbox.dispose(false);
    const teardown = sandbox.dispose();
    this.teardowns.add(teardown);
    void teardown.then(() => {
      this.teardowns.delete(teardown);
      this.schedule();
    });
  }

  /** Frees every isolate; resolves once no teardown runs any more (the process may exit then). */
  async close(): Promise<void> {
    this.closed = true;
    for (const sandbox of this.warm.splice(0)) void sandbox.dispose(false);
    if (this.teardowns.size === 0) return;
    await Promise.all(this.teardowns);
    Sandbox.teardownsFinished();
  }

  private create(memoryLimit: number): Promise<Sandbox> {
    return Sandbox.create(this.bootstrap, memoryLimit, (message) => {
      this.options.logger.error('V8 lost control of an isolate; restart this process soon', { reason: message });
    });
  }

  private schedule(): void {
    if (this.working || this.closed || this.warm.length >= this.options.size) return;
    this.working = true;
    setImmediate(() => void this.work());
  }

  /** One refill per turn of the event loop, while the pool is short and no execution is starting. */
  private async work(): Promise<void> {
    try {
      // while executions start, they create their own isolates if the pool is empty: refilling now would
      // only add to their wait; started() and finished teardowns schedule us again
      while (!this.closed && this.starting === 0 && this.teardowns.size === 0 && this.warm.length < this.options.size) {
        this.warm.push(await this.create(this.options.memoryLimit));
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.options.logger.warn('could not create a warm isolate', { error: (error as Error).message });
    } finally {
      this.working = false;
      if (this.closed) for (const sandbox of this.warm.splice(0)) void sandbox.dispose(false);
    }
  }
}
