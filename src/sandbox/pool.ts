// Warm isolates with the runtime already bootstrapped, so an execution does not wait for V8 to build a heap.
// Each isolate serves exactly one execution; the pool refills in the background, one isolate at a time.

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
  private refilling = false;
  private closed = false;
  /** Executions starting right now; refill waits for a quiet moment so it does not delay them. */
  private busy = 0;

  constructor(private readonly options: IsolatePoolOptions) {
    this.bootstrap = new RuntimeBootstrap(options.runtime);
  }

  get size(): number {
    return this.warm.length;
  }

  /** Fills the pool; resolves when it is full (used at start-up and by benchmarks). */
  async fill(): Promise<void> {
    while (!this.closed && this.warm.length < this.options.size) this.warm.push(await this.create(this.options.memoryLimit));
  }

  /** A fresh isolate for one execution: warm when the memory limit matches, else created now. */
  async take(memoryLimit: number): Promise<Sandbox> {
    if (this.closed) throw new Error('the isolate pool is closed');
    this.busy++;
    try {
      if (memoryLimit === this.options.memoryLimit) {
        while (this.warm.length > 0) {
          const sandbox = this.warm.shift()!;
          if (!sandbox.disposed) return sandbox;
        }
      }
      return await this.create(memoryLimit);
    } finally {
      this.busy--;
      this.scheduleRefill();
    }
  }

  close(): void {
    this.closed = true;
    for (const sandbox of this.warm.splice(0)) sandbox.dispose();
  }

  private create(memoryLimit: number): Promise<Sandbox> {
    return Sandbox.create(this.bootstrap, memoryLimit, (message) => {
      this.options.logger.error('V8 lost control of an isolate; restart this process soon', { reason: message });
    });
  }

  private scheduleRefill(): void {
    if (this.refilling || this.closed || this.warm.length >= this.options.size) return;
    this.refilling = true;
    setImmediate(() => void this.refill());
  }

  private async refill(): Promise<void> {
    try {
      while (!this.closed && this.warm.length < this.options.size) {
        // creating an isolate blocks the event loop for a few milliseconds: yield to executions being started
        if (this.busy > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        else {
          this.warm.push(await this.create(this.options.memoryLimit));
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } catch (error) {
      this.options.logger.warn('could not create a warm isolate', { error: (error as Error).message });
    } finally {
      this.refilling = false;
      if (this.closed) for (const sandbox of this.warm.splice(0)) sandbox.dispose();
    }
  }
}
