// execution.isolation: client. An isolate belongs to one client (and one memory limit) and runs many of its
// executions, each in a new context with the runtime run afresh, so that nothing of one execution (a global, a
// patched prototype, a closure, a pending promise) is reachable from the next. One execution runs in an isolate
// at a time: turns run on the event loop (Sandbox.deliverSync) must never wait for another's turn. A client
// with more in flight gets another isolate, up to `perClient`; beyond that, executions queue for the client's
// isolates (a new context costs about 0.8 ms of CPU here, a fresh isolate 3.5-4 ms more) as long as the queue
// moves: if none of them frees up for `waitMs` (the executions in them wait on something slow), those queued take
// a fresh isolate each, as in execution mode. A paused execution keeps its context (parked) while the isolate
// serves others; if the isolate is retired or busy when the answer comes, the execution resumes by replay elsewhere.

import type { Logger } from '../logging/index.js';
import type { IsolatePool } from './pool.js';
import { Sandbox, type IsolateHandle } from './sandbox.js';
import type { SandboxSource } from './sandboxes.js';

export interface ClientIsolateLimits {
  /** Isolates one client holds at once, per memory limit. */
  perClient: number;
  /** Executions an isolate runs before it is retired. */
  maxExecutions: number;
  /** An isolate unused this long is retired. Sessions have no end hook: this is also how a client that left lets go. */
  idleMs: number;
  /** An isolate whose heap is above this share of its limit after an execution is retired. */
  heapShare: number;
  /** With `perClient` isolates busy, executions queue for them; if none frees up for this long, they take isolates of their own. */
  waitMs: number;
}

/**
 * Executions of one key waiting for one of its isolates, first come first served: each is handed the host that
 * became free, `retry` when one of the key's isolates was retired (another may be built in its place), or
 * undefined when the queue stalled (no isolate of the key freed up for waitMs: those running are slow, so the
 * waiting ones take isolates of their own).
 */
interface Queue { waiters: Array<(host: Host | 'retry' | undefined) => void>; stall: NodeJS.Timeout }

/** What the executor's stats and the tests see of one client isolate. */
export interface ClientIsolateInfo { id: number; memoryLimit: number; executions: number; busy: boolean; parked: number }

interface Host {
  readonly id: number;
  readonly key: string;
  readonly handle: IsolateHandle;
  readonly memoryLimit: number;
  /** Leased to an execution (running, or about to): no other runs in it meanwhile. */
  busy: boolean;
  current?: Sandbox;
  /** A context made ahead, while the isolate was idle, for the client's next execution. */
  spare?: Promise<Sandbox | undefined>;
  /** Contexts of paused executions kept live, and how to make each resume by replay instead. */
  readonly parked: Map<Sandbox, () => void>;
  executions: number;
  retired?: string;
  idleTimer?: NodeJS.Timeout;
}

export class ClientIsolates implements SandboxSource {
  readonly reusesIsolates = true;
  private readonly byKey = new Map<string, Host[]>();
  /** Isolates being built per key: they count against perClient already. */
  private readonly building = new Map<string, number>();
  private readonly hostOf = new Map<Sandbox, Host>();
  /** Executions waiting for a free isolate, per key. */
  private readonly queues = new Map<string, Queue>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly pool: IsolatePool, private readonly limits: ClientIsolateLimits, private readonly logger: Logger) {}

  /** Client isolates held now (retired ones still draining excluded). */
  get count(): number {
    let count = 0;
    for (const hosts of this.byKey.values()) count += hosts.length;
    return count;
  }

  isolatesOf(clientId: string): ClientIsolateInfo[] {
    const found: ClientIsolateInfo[] = [];
    for (const [key, hosts] of this.byKey) {
      if (!key.startsWith(`${clientId}\0`)) continue;
      for (const host of hosts) found.push({ id: host.id, memoryLimit: host.memoryLimit, executions: host.executions, busy: host.busy, parked: host.parked.size });
    }
    return found;
  }

  async take(memoryLimit: number, clientId: string): Promise<Sandbox> {
    if (this.closed) return this.pool.take(memoryLimit); // the pool refuses
    const key = `${clientId}\0${memoryLimit}`;
    const hosts = this.byKey.get(key) ?? [];
    const free = hosts.find((host) => !host.busy);
    if (free) return this.lease(free, memoryLimit, clientId);
    const building = this.building.get(key) ?? 0;
    if (hosts.length + building >= this.limits.perClient) {
      const host = await this.freed(key);
      if (host === 'retry') return this.take(memoryLimit, clientId);
      if (host) return this.lease(host, memoryLimit, clientId);
      return this.pool.take(memoryLimit); // its own isolate, freed after
    }
    this.building.set(key, building + 1);
    let sandbox: Sandbox;
    try {
      sandbox = await this.pool.take(memoryLimit);
    } finally {
      const left = (this.building.get(key) ?? 1) - 1;
      if (left > 0) this.building.set(key, left);
      else this.building.delete(key);
    }
    if (this.closed) return sandbox;
    sandbox.handle.shared = true;
    const host: Host = { id: this.nextId++, key, handle: sandbox.handle, memoryLimit, busy: true, current: sandbox, parked: new Map(), executions: 1 };
    this.byKey.set(key, [...(this.byKey.get(key) ?? []), host]);
    this.hostOf.set(sandbox, host);
    return sandbox;
  }

  release(sandbox: Sandbox, heap?: number, retire?: string): void {
    const host = this.hostOf.get(sandbox);
    if (!host) return this.pool.discard(sandbox);
    this.hostOf.delete(sandbox);
    void sandbox.dispose();
    if (host.parked.delete(sandbox)) return this.freeIfDone(host);
    if (host.current !== sandbox) return;
    host.current = undefined;
    host.busy = false;
    const reason = retire ?? this.reasonToRetire(host, heap);
    if (reason) return this.retire(host, reason);
    this.idle(host);
  }

  park(sandbox: Sandbox, evict: () => void): void {
    const host = this.hostOf.get(sandbox);
    if (!host || host.current !== sandbox) return;
    host.current = undefined;
    host.busy = false;
    host.parked.set(sandbox, evict);
    if (host.retired) return this.retire(host, host.retired);
    this.idle(host);
  }

  reclaim(sandbox: Sandbox): boolean {
    const host = this.hostOf.get(sandbox);
    if (!host) return !sandbox.disposed; // an isolate of its own
    if (host.retired || host.busy || sandbox.disposed || !host.parked.delete(sandbox)) return false;
    host.busy = true;
    host.current = sandbox;
    clearTimeout(host.idleTimer);
    return true;
  }

  /** Retires every isolate: idle ones are freed now, the others once their execution releases them. */
  async close(): Promise<void> {
    this.closed = true;
    const hosts = [...this.byKey.values()].flat();
    await Promise.allSettled(hosts.map((host) => host.spare));
    for (const host of hosts) this.retire(host, 'the server is closing');
  }

  private async lease(host: Host, memoryLimit: number, clientId: string): Promise<Sandbox> {
    host.busy = true;
    clearTimeout(host.idleTimer);
    const spare = host.spare;
    host.spare = undefined;
    let sandbox = await (spare ?? this.newContext(host));
    if (sandbox && sandbox.apiGeneration !== this.pool.runtime.generation) {
      void sandbox.dispose(); // made before the catalog changed
      sandbox = await this.newContext(host);
    }
    if (!sandbox || host.retired || this.closed) {
      void sandbox?.dispose();
      host.busy = false;
      this.retire(host, host.retired ?? 'a new context could not be made in it');
      return this.take(memoryLimit, clientId);
    }
    host.current = sandbox;
    host.executions++;
    this.hostOf.set(sandbox, host);
    return sandbox;
  }

  /** The key's next isolate to become free (already marked busy), `retry`, or undefined if the queue stalls. */
  private freed(key: string): Promise<Host | 'retry' | undefined> {
    if (this.limits.waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { waiters: [], stall: this.stallTimer(key) };
        this.queues.set(key, queue);
      }
      queue.waiters.push(resolve);
    });
  }

  /** No isolate of the key freed up for waitMs: everyone waiting takes an isolate of their own. */
  private stallTimer(key: string): NodeJS.Timeout {
    return setTimeout(() => this.dropQueue(key, undefined), this.limits.waitMs);
  }

  private dropQueue(key: string, answer: 'retry' | undefined): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    this.queues.delete(key);
    clearTimeout(queue.stall);
    for (const waiter of queue.waiters) waiter(answer);
  }

  /** Hands a free host to the first execution waiting for one of its key: true if one was. */
  private handOver(host: Host): boolean {
    const queue = this.queues.get(host.key);
    const waiter = queue?.waiters.shift();
    if (!queue || !waiter) return false;
    clearTimeout(queue.stall);
    if (queue.waiters.length > 0) queue.stall = this.stallTimer(host.key); // the queue moves: its clock starts again
    else this.queues.delete(host.key);
    host.busy = true; // now: lease() runs after this turn, and nothing may take the host meanwhile
    waiter(host);
    return true;
  }

  private newContext(host: Host): Promise<Sandbox | undefined> {
    return Sandbox.inIsolate(host.handle, this.pool.runtime, host.memoryLimit).catch((error: Error) => {
      if (!host.handle.isolate.isDisposed) this.logger.warn('could not make a context in a client isolate', { error: error.message });
      return undefined;
    });
  }

  /** Why an isolate an execution just left serves no one else, if it must not. */
  private reasonToRetire(host: Host, heap: number | undefined): string | undefined {
    if (host.handle.isolate.isDisposed) return 'it ran out of memory';
    if (heap === undefined) return 'a turn may still run in it';
    if (host.handle.terminated) return 'V8 stopped a turn in it';
    if (heap > this.limits.heapShare * host.memoryLimit) return 'its heap stayed high after an execution';
    if (host.executions >= this.limits.maxExecutions) return 'it ran its share of executions';
    return undefined;
  }

  /** No execution runs in it: a context is made ahead for the next one, and the idle clock starts. */
  private idle(host: Host): void {
    if (this.closed) return this.retire(host, 'the server is closing');
    clearTimeout(host.idleTimer);
    if (this.handOver(host)) return;
    host.idleTimer = setTimeout(() => this.retire(host, 'it was idle'), this.limits.idleMs);
    host.idleTimer.unref();
    // after the answer is written; a take before then makes its own
    setImmediate(() => {
      if (!host.busy && !host.retired && !host.spare && !this.closed) host.spare = this.newContext(host);
    });
  }

  /** Serves no new execution; paused ones parked in it will resume by replay; freed once nothing runs in it. */
  private retire(host: Host, reason: string): void {
    if (!host.retired) {
      host.retired = reason;
      clearTimeout(host.idleTimer);
      const hosts = (this.byKey.get(host.key) ?? []).filter((other) => other !== host);
      if (hosts.length > 0) this.byKey.set(host.key, hosts);
      else this.byKey.delete(host.key);
      this.dropQueue(host.key, 'retry'); // one may be built in its place
      this.logger.debug('a client isolate was retired', { isolate: host.id, reason, executions: host.executions });
    }
    for (const [sandbox, evict] of [...host.parked]) {
      evict();
      if (!host.parked.delete(sandbox)) continue;
      this.hostOf.delete(sandbox);
      void sandbox.dispose();
    }
    this.freeIfDone(host);
  }

  private freeIfDone(host: Host): void {
    if (!host.retired || host.busy || host.parked.size > 0) return;
    const spare = host.spare;
    host.spare = undefined;
    const free = (): void => void host.handle.dispose(this.pool.open);
    if (!spare) return free();
    void spare.then((sandbox) => {
      void sandbox?.dispose();
      free();
    });
  }
}
