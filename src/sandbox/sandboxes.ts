// Where an execution gets its Sandbox and gives it back: the one interface of both isolation modes
// (execution.isolation). `execution`: a fresh isolate each time (FreshIsolates, here); `client`: a new context
// in an isolate of the execution's client (ClientIsolates, client-isolates.ts).

import type { IsolatePool } from './pool.js';
import type { Sandbox } from './sandbox.js';

export interface SandboxSource {
  /** Whether an isolate outlives the execution that used it (then it must be idle, not merely answered). */
  readonly reusesIsolates: boolean;
  /** A Sandbox no other execution has run in: a new context, in a fresh isolate or one of this client's. */
  take(memoryLimit: number, clientId: string): Promise<Sandbox>;
  /**
   * The execution is over (or moves elsewhere); called at once, what costs time is deferred here. `heap`: the isolate's heap, measured while it was idle; without
   * it a turn may still run, and the isolate is freed now. `retire`: why its isolate must serve no one else.
   */
  release(sandbox: Sandbox, heap?: number, retire?: string): void;
  /**
   * The execution paused and stays live: its context stays, while its isolate may serve the client's other
   * executions. `evict` is called if the isolate is retired meanwhile (the execution then resumes by replay).
   */
  park(sandbox: Sandbox, evict: () => void): void;
  /** A parked Sandbox goes on running: false if its isolate is gone, retired or busy (then resume by replay). */
  reclaim(sandbox: Sandbox): boolean;
  close(): Promise<void>;
}

/** Today's rule, execution.isolation: execution. Every execution gets its own isolate; nothing is reused. */
export class FreshIsolates implements SandboxSource {
  readonly reusesIsolates = false;

  constructor(private readonly pool: IsolatePool) {}

  take(memoryLimit: number): Promise<Sandbox> {
    return this.pool.take(memoryLimit);
  }

  release(sandbox: Sandbox, heap?: number): void {
    // the teardown runs off this thread, but handing it over costs this one about 0.1 ms: an idle isolate
    // waits until the answer is written (settle's reactions run first); a turn still running is stopped now
    if (heap === undefined) this.pool.discard(sandbox);
    else setImmediate(() => this.pool.discard(sandbox));
  }

  park(): void {}

  reclaim(sandbox: Sandbox): boolean {
    return !sandbox.disposed;
  }

  async close(): Promise<void> {}
}
