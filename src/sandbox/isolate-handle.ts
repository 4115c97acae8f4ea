// One isolate as its Sandboxes (contexts) share it: how it is freed, what happened to it, and when its garbage
// is collected.

import v8 from 'node:v8';
import type ivm from 'isolated-vm';

/**
 * The name V8 gives its collection function in every context made once `--expose-gc` is set: `gc`, unless the
 * process was started with `--expose-gc-as` (the name is fixed when V8 starts).
 */
export const COLLECT_GLOBAL = /--expose[-_]gc[-_]as[= ]?([\w$]+)/.exec([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '))?.[1] ?? 'gc';

/**
 * V8 frees a context the host let go of only at a full collection, and a small heap rarely needs one: a
 * client's isolate that ran 100 executions held 3 times its heap after the first (bench/soak.js). A full
 * collection needs V8's collection function, which exists only in contexts made once this process-wide flag is
 * set (before the first isolate): every context then has it as a global, and Sandbox takes it away from each
 * context agent code runs in before anything runs there. Only the janitor context of IsolateHandle calls it.
 */
let collectionEnabled = false;
export function enableCollection(): void {
  if (collectionEnabled) return;
  collectionEnabled = true;
  v8.setFlagsFromString('--expose-gc');
}

/**
 * One isolate, and what its Sandboxes (contexts) share: how it is freed, and what happened to it. An isolate
 * `shared` by several contexts (a client's, see client-isolates.ts) is freed by its owner, not by a Sandbox.
 */
export class IsolateHandle {
  /** A shared isolate is collected once its heap after an execution is this much above its heap after the last collection. */
  static collectAfterGrowth = 2 * 1024 * 1024;

  shared = false;
  disposedByHost = false;
  /** V8 stopped a turn in it (a timeout): it is not given to another execution. */
  terminated = false;
  /** Set when V8 lost control of the isolate (isolated-vm's catastrophic error). */
  catastrophe?: string;
  /** The runtime compiled in this isolate once, run in each new context. */
  runtime?: Promise<ivm.Script>;
  /** The script that hides V8's collection function from a new context (builder.ts hidingSource), compiled once. */
  hiding?: Promise<ivm.Script>;
  /** Full collections run in it, and its heap (used and external, bytes) after the last one, or at its first reading. */
  collections = 0;
  private baseline?: number;
  private grown = false;
  /** A context of its own with nothing in it but V8's collection function, made at the first collection. */
  private janitor?: Promise<ivm.Reference<() => void>>;

  constructor(readonly isolate: ivm.Isolate, private readonly release: () => Promise<void>) {}

  /** Its heap after an execution ended (see Sandbox.heapUsedIdle): marks it for a collection once it grew enough. */
  noteHeap(bytes: number): void {
    if (this.baseline === undefined) this.baseline = bytes;
    else if (bytes - this.baseline > IsolateHandle.collectAfterGrowth) this.grown = true;
  }

  /**
   * Runs a full collection on isolated-vm's threads if the heap grew since the last (noteHeap) and the isolate
   * is shared: the contexts its ended executions left are freed then. Resolves once it is done; never throws.
   */
  async collectIfGrown(): Promise<void> {
    if (!this.grown || !this.shared || !collectionEnabled || this.isolate.isDisposed) return;
    this.grown = false;
    try {
      this.janitor ??= this.makeJanitor();
      await (await this.janitor).apply(undefined, []);
      this.collections++;
      const stats = await this.isolate.getHeapStatistics();
      this.baseline = stats.used_heap_size + stats.externally_allocated_size;
    } catch {
      // the isolate went meanwhile (memory limit, retired): nothing left to collect
    }
  }

  /** Frees the isolate: on the thread of the helper that built it, or on this one at once (`inBackground` false). */
  dispose(inBackground: boolean): Promise<void> {
    if (this.disposedByHost || this.isolate.isDisposed) return Promise.resolve();
    this.disposedByHost = true;
    if (inBackground) return this.release();
    try {
      this.isolate.dispose();
    } catch {
      // already disposed by isolated-vm (memory limit); nothing left to free
    }
    return Promise.resolve();
  }

  private async makeJanitor(): Promise<ivm.Reference<() => void>> {
    const context = await this.isolate.createContext();
    const collect = (await context.global.get(COLLECT_GLOBAL, { reference: true })) as ivm.Reference<() => void>;
    if (collect.typeof !== 'function') throw new Error(`V8's collection function is not the global ${COLLECT_GLOBAL}`);
    return collect;
  }
}
